"""/portfolio outcome and calibration: what happened, and whose estimates to trust."""

from __future__ import annotations

from domain.commands.uncertainty import parse_calibration, parse_outcome
from domain.services.calibration import CalibrationView, OutcomeRecorded, OutcomeView
from domain.uncertainty.calibration import DeliveryScore, Score
from handlers.blocks import Message, build
from handlers.commands import Reply, Request
from handlers.formats import format_percent
from handlers.outlooks import bias_line, day, points
from handlers.render import Mrkdwn, escape, mention, render
from handlers.uncertainty.words import money

GROUPS_SHOWN = 12


def record_outcome(req: Request) -> Reply:
    """Record whether a product succeeded or failed, and what it realised (owner or manager)."""
    recorded = req.services.calibration.record(req.actor, parse_outcome(req.cmd))
    return Reply(outcome_message(recorded), in_channel=True)


def outcome_words(outcome: OutcomeView, currency: str) -> str:
    """`success, realised $350k on 30 Jun 2027 (expected $400k at 70% confidence)`."""
    word = "success" if outcome.success else "failure"
    realised = (
        f", realised {money(outcome.realised, currency)}" if outcome.realised is not None else ""
    )
    return (
        f"*{word}*{realised} on {day(outcome.on)} (expected "
        f"{money(outcome.expected_return, currency)} at {format_percent(outcome.confidence)} "
        "confidence)"
    )


def outcome_message(recorded: OutcomeRecorded) -> Message:
    """The outcome recorded, and the one it replaced."""
    outcome = recorded.outcome
    text = render(
        "uncertainty/outcome.mrkdwn.j2",
        outcome=outcome,
        words=Mrkdwn(outcome_words(outcome, recorded.currency)),
        replaced=Mrkdwn(outcome_words(recorded.replaced, recorded.currency))
        if recorded.replaced
        else None,
        replaced_by=recorded.replaced.recorded_by if recorded.replaced else None,
    )
    word = "success" if outcome.success else "failure"
    return build(
        fallback=escape(f"Recorded {outcome.key}: {word}"),
        body=[text],
        footer="In the product's history · `/portfolio calibration` shows how good the "
        "estimates were",
    )


def show_calibration(req: Request) -> Reply:
    """How good the estimates were: Brier scores and bias by owner and category, and delivery."""
    parse_calibration(req.cmd)
    return Reply(
        calibration_message(req.services.calibration.calibration(req.actor, req.channel_id))
    )


def _score_line(score: Score, label: Mrkdwn | str, currency: str) -> str:
    realised = (
        f" · realised {format_percent(score.realised_ratio)} of expected return"
        if score.realised_ratio is not None
        else ""
    )
    lean = "on the mark" if score.bias == 0 else points(score.bias)
    return render(
        "uncertainty/score_line.mrkdwn.j2",
        label=label,
        score=score,
        brier=f"{score.brier:.2f}",
        confidence=format_percent(score.confidence),
        rate=format_percent(score.success_rate),
        lean=lean,
        realised=realised,
    )


def _delivery_line(score: DeliveryScore, label: Mrkdwn | str) -> str:
    late = score.mean_days_late
    when = (
        f"{late.normalize():f} days late on average"
        if late > 0
        else f"{abs(late).normalize():f} days early on average"
        if late < 0
        else "on the day on average"
    )
    return f"{label} · {score.items} done · {score.on_time} on time · {when}"


def calibration_message(view: CalibrationView) -> Message:
    """Calibration overall, per owner and category, delivery against targets, and biases."""
    title = f"Calibration · {view.portfolio}"
    report = view.report
    currency = view.currency
    if report.overall is None and report.delivery is None:
        return build(
            fallback=escape(title),
            title=title,
            body=[
                "No outcomes recorded yet, and no finished items with a target. Record what "
                "happened with `/portfolio outcome CHK success | realised 350k | on 2027-06-30`."
            ],
        )
    lines: list[str] = []
    if report.owners:
        lines.append("*By owner*")
        lines += [
            _score_line(s, mention(s.group) if s.group else "_no owner_", currency)
            for s in report.owners[:GROUPS_SHOWN]
        ]
    if report.categories:
        lines.append("*By category*")
        lines += [
            _score_line(s, f"*{escape(s.group or '(none)')}*", currency)
            for s in report.categories[:GROUPS_SHOWN]
        ]
    if report.delivery_owners:
        lines.append("*Delivery against targets, by owner*")
        lines += [
            _delivery_line(s, mention(s.group) if s.group else "_no owner_")
            for s in report.delivery_owners[:GROUPS_SHOWN]
        ]
    if view.recent:
        lines.append("*Latest outcomes*")
        lines += [
            f"{':white_check_mark:' if o.success else ':x:'} *{o.key}* {escape(o.name)}: "
            + outcome_words(o, currency)
            for o in view.recent
        ]
    overall = report.overall
    intro = render(
        "uncertainty/calibration_intro.mrkdwn.j2",
        view=view,
        overall=overall,
        brier=f"{overall.brier:.2f}" if overall else "",
        lean=points(overall.bias) if overall and overall.bias != 0 else "on the mark",
        confidence=format_percent(overall.confidence) if overall else "",
        rate=format_percent(overall.success_rate) if overall else "",
        delivery=report.delivery,
        biases=Mrkdwn("\n".join(f":warning: {bias_line(b)}." for b in report.biases)),
    )
    return build(
        fallback=escape(f"{title}: {view.outcomes} outcomes"),
        title=title,
        body=[intro],
        lines=lines,
        more="more lines",
        footer="Brier score: mean (confidence − outcome)², 0 is perfect, always saying 50% scores "
        "0.25 · a bias is flagged with 5+ outcomes, 15+ points, 2 standard errors from zero and "
        "still so in the later half · `/portfolio rank risk calibrated` ranks with corrected "
        "confidence",
    )
