"""The demo's information requests: a dozen Freedom of Information requests the violence
reduction unit sent to NHS trusts for hospital data it could get no other way, some answered
late, some overdue on 30 June 2020. Invented, like every record in the demo."""

from __future__ import annotations

_TRUSTS = (
    "Manchester University NHS Foundation Trust",
    "Salford Royal NHS Foundation Trust",
    "Pennine Acute Hospitals NHS Trust",
    "Stockport NHS Foundation Trust",
    "Wrightington, Wigan and Leigh NHS Foundation Trust",
)
_A, _B, _C, _D, _E = _TRUSTS

# ref, to, subject, received_on, answered_on, status, extended_to, notes
REQUEST_ROWS = [
    ["VRU-FOI-2019-01", _A, "A&E attendances for assault by week", "2019-09-02", "2019-09-27",
     "answered", "", ""],
    ["VRU-FOI-2019-02", _B, "Knife and sharp-object injuries by age", "2019-09-16", "2019-10-30",
     "answered", "", "chased twice"],
    ["VRU-FOI-2019-03", _C, "Domestic-abuse disclosures at A&E", "2019-10-07", "2019-11-25",
     "refused", "", "s.12 cost limit"],
    ["VRU-FOI-2019-04", _D, "Assault admissions by postcode district", "2019-11-18", "2019-12-13",
     "answered", "", ""],
    ["VRU-FOI-2020-01", _A, "Knife injuries by postcode district", "2020-01-06", "2020-02-27",
     "answered", "", "answered late"],
    ["VRU-FOI-2020-02", _E, "A&E attendances for assault by hour", "2020-01-20", "2020-02-17",
     "internal_review", "", "partial answer; review asked"],
    ["VRU-FOI-2020-03", _B, "Repeat attendances for assault", "2020-02-10", "", "open", "", ""],
    ["VRU-FOI-2020-04", _C, "Safeguarding referrals from A&E", "2020-03-02", "", "open", "", ""],
    ["VRU-FOI-2020-05", _A, "Information-sharing agreement data", "2020-04-14", "", "open",
     "2020-07-10", "public-interest test"],
    ["VRU-FOI-2020-06", _D, "Weapon injuries among under-25s", "2020-05-11", "", "open", "", ""],
    ["VRU-FOI-2020-07", _E, "Ambulance call-outs to assaults", "2020-06-01", "", "", "", ""],
    ["VRU-FOI-2020-08", _B, "Domestic-abuse disclosures, follow-up", "2020-06-22", "", "withdrawn",
     "", "data shared under agreement"],
]  # fmt: skip
