"""ISO 4217: the currencies a portfolio can count in (pure).

The active currency codes, without the fund, precious-metal and testing codes (`XAU`,
`XTS`, `XXX` …): a portfolio counts in money people are paid in.
"""

from __future__ import annotations

from typing import Final

from domain.errors import InvalidInput

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWG
"""
ISO_4217: Final = frozenset(_CODES.split())
"""Active ISO 4217 currency codes."""


def parse_currency(text: str) -> str:
    """An ISO 4217 code in any case (`eur` is EUR), else an error with the closest codes."""
    code = text.strip().upper()
    if code in ISO_4217:
        return code
    near = sorted(c for c in ISO_4217 if sum(a != b for a, b in zip(c, code, strict=False)) == 1)
    hint = (
        f" Did you mean {' or '.join(f'`{c}`' for c in near[:3])}?"
        if len(code) == 3 and near
        else ""
    )
    raise InvalidInput(
        f"`{text.strip()}` isn't an ISO 4217 currency code.{hint} Use a code such as `USD`, "
        "`EUR`, `GBP`, `CHF` or `JPY`."
    )
