# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer scoring arithmetic: Pareto segments, churn points and RFM segments.

Pure functions on plain numbers, without the ORM: ``res.partner`` reads the
figures (revenue, recency, ratings, complaints, quintiles) set-wise and asks
these functions for the resulting segment or risk.

Churn risk rule (points, added up):

- recency: no interaction for more than 180 days: 2; more than 90 days: 1;
- a detractor in the last 12 months (a rating of 2 or less, or an NPS
  answer of 6 or less): 2;
- open complaints: 1 for one or two, 2 for three or more.

3 points or more is *high*, 1 or 2 *medium*, 0 *low*.

RFM segment from the 1-5 quintile scores, in this order:

- *champions*: R >= 4 and F + M >= 8;
- *new*: R >= 4 and F <= 2 (bought lately, few invoices so far);
- *loyal*: any other R >= 4, or R = 3 and F + M >= 6;
- *at risk*: R <= 2 and F + M >= 6 (used to buy much, not lately);
- *hibernating*: the rest (little, and not lately).
"""


def pareto_segments(revenue, a_share, b_share):
    """{partner id: 'A'|'B'|'C'} from {partner id: revenue}.

    Partners are taken by decreasing revenue (then id, so the split is
    deterministic); a partner is A while the revenue before it is below
    ``a_share`` % of the total, B below ``b_share`` %, C otherwise. No
    revenue (or a net refund) is C."""
    positive = sorted(
        ((value, pid) for pid, value in revenue.items() if value > 0),
        key=lambda item: (-item[0], item[1]),
    )
    total = sum(value for value, _pid in positive)
    segments = {pid: "C" for pid in revenue}
    cumulated = 0.0
    for value, pid in positive:
        share = 100.0 * cumulated / total
        segments[pid] = "A" if share < a_share else "B" if share < b_share else "C"
        cumulated += value
    return segments


def churn_points(recency_days, detractors, open_complaints):
    """The churn points of a customer (see the module docstring)."""
    points = 2 if recency_days > 180 else 1 if recency_days > 90 else 0
    points += 2 if detractors else 0
    points += 2 if open_complaints >= 3 else 1 if open_complaints else 0
    return points


def churn_risk(points):
    """'high', 'medium' or 'low' from the churn points."""
    return "high" if points >= 3 else "medium" if points else "low"


def rfm_segment(recency, frequency, monetary):
    """The RFM segment of 1-5 scores (see the module docstring)."""
    value = frequency + monetary
    if recency >= 4:
        if value >= 8:
            return "champions"
        return "new" if frequency <= 2 else "loyal"
    if value >= 6:
        return "loyal" if recency == 3 else "at_risk"
    return "hibernating"
