"""Return home interview performance: protected rates, tables and charts for the RHI page and the pack.

Definitions (the page prints :data:`METHOD`):
- offered in time = episodes whose earliest RHI offer was within ``[rhi] offer_within_hours`` (72) of
  the return ÷ eligible episodes (ended, with RHI times);
- completed and declined = ÷ episodes that have ended;
- median hours to offer = over eligible episodes with an offer time.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from contextmap import disclosure, fmt, settings

# The statutory window ([rhi] offer_within_hours, from the 2014 guidance).
HOURS = settings.current().rhi.offer_within_hours
RATES = {
    "offered_72h_pct": ("offered_72h", "eligible", f"Offered within {HOURS} hours"),
    "completed_72h_pct": ("completed_72h", "eligible", f"Completed within {HOURS} hours"),
    "completed_pct": ("completed", "returned", "Completed"),
    "declined_pct": ("declined", "returned", "Declined"),
}
COUNTS = ["episodes", "returned", "eligible", "offered_72h", "completed_72h", "completed", "declined", "timed_offers"]
# Why an episode did not get an offer in time, in the order the page lists them.
REASONS = {
    "Offered late": f"Offered late (after {HOURS} hours)",
    "No RHI recorded": "No RHI record",
    "Recorded as not offered": "Recorded as not offered",
    "No contact made": "No contact made with the child",
    "No offer time recorded": "RHI recorded without an offer time",
    "Still missing": "Still missing (no return yet)",
    "No times recorded": "Source without times (SSD flags only)",
}
NATIONAL_SOURCE = (
    "Missing People, 2023–24 Freedom of Information study of English councils: return home interviews "
    "were completed within 72 hours in {pct}% of cases on average."
)
METHOD = """
**How these figures are worked out**

- **Which episodes.** Episodes are counted in the month they *started*. An episode with
  **no end time** (the child is still missing, or the return was not recorded) has no
  {hours}-hour clock: it is left out of every percentage and listed under "Still missing".
- **The {hours}-hour clock** starts at the recorded return (the episode's end time). When an
  episode has more than one RHI record, the **earliest offer** counts. An offer recorded
  **before the return** (for example arranged while the child was being brought home)
  counts as made at the return: 0 hours, within {hours} hours.
- **Offered within {hours} hours (%)** = episodes offered within {hours} hours ÷ episodes that ended
  and whose RHI records have times. Records from the Standard Safeguarding Dataset carry
  only offered / accepted flags, with no times: those episodes are left out of this
  percentage and counted under "Source without times".
- **Declined**: a child who declines an offered interview still counts as *offered* (the
  duty is to offer); **declined (%)** and **completed (%)** are shares of episodes that ended.
- **Completed within {hours} hours** is shown beside the national figure because that is what
  the national study measured.
- **Median hours to offer** is taken over eligible episodes with an offer time; it is not
  shown where fewer than {min_n} offers lie behind it.
"""


def targets() -> tuple[float, float]:
    """(local target %, national figure %) from ``[rhi]``."""
    cfg = settings.current().rhi
    return float(cfg.target_pct), float(cfg.national_pct)


def method_text(policy: disclosure.Policy) -> str:
    """The method note with the disclosure threshold filled in."""
    return METHOD.format(min_n=policy.suppress_max + 1, hours=HOURS)


def protected_rates(df: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """Add the four rates (0..1, None when hidden) and hide medians resting on few offers."""
    out = df.copy()
    for col, (num, den, _) in RATES.items():
        out[col] = [disclosure.protect_share(n, d, policy) for n, d in zip(df[num], df[den])]
    if "median_hours_to_offer" in out:
        enough = df["timed_offers"] > policy.suppress_max
        out["median_hours_to_offer"] = df["median_hours_to_offer"].where(enough)
    return out


def _rate_text(rate, denominator) -> str:
    """A protected rate as text: "84%", "—" when there is nothing to divide by, else "c" (hidden)."""
    if rate is not None and not pd.isna(rate):
        return fmt.percent(rate)
    return "—" if not denominator else disclosure.SUPPRESSED


def _hours(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.0f} hours"


def summary(row: pd.Series, policy: disclosure.Policy) -> dict[str, str]:
    """The headline texts of one row (a period total): rates as "84%", "c" when hidden."""
    rates = protected_rates(row.to_frame().T, policy).iloc[0]
    out = {label: _rate_text(rates[col], row[den]) for col, (_, den, label) in RATES.items()}
    out["Median hours to offer"] = _hours(rates.get("median_hours_to_offer"))
    out["Episodes that ended"] = disclosure.fmt_count(row["returned"], policy)
    return out


def breakdown_table(df: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """Rows of ``rhi_breakdown`` (one dimension) as a table to show: counts protected, rates as text."""
    df = df.reset_index(drop=True)
    shown = disclosure.protect_frame(df, COUNTS, policy)
    rates = protected_rates(df, policy)
    table = pd.DataFrame({"Group": df["grp"], "Episodes ended": shown["returned"],
                          f"Eligible for the {HOURS}-hour measure": shown["eligible"]})
    for col, (_, den, label) in RATES.items():
        table[label] = [_rate_text(v, d) for v, d in zip(rates[col], df[den])]
    table["Median hours to offer"] = [_hours(v) for v in rates["median_hours_to_offer"]]
    return table


def reasons_table(df: pd.DataFrame, policy: disclosure.Policy) -> pd.DataFrame:
    """Episodes without an offer in time, by reason, with their total (secondary suppression applied)."""
    counts = df.set_index("rhi_status")["episodes"]
    rows = pd.DataFrame({"Reason": list(REASONS.values()),
                         "Episodes": [int(counts.get(status, 0)) for status in REASONS]})
    rows.loc[len(rows)] = ["All without a timely offer", int(rows["Episodes"].sum())]
    shown = disclosure.protect_frame(rows, ["Episodes"], policy, total_row=len(rows) - 1)
    return shown


def monthly_figure(df: pd.DataFrame, policy: disclosure.Policy) -> go.Figure:
    """Offered and completed in time by month, with the target and national lines.

    ``df`` holds ``rhi_monthly`` rows; hidden months are gaps.
    """
    target, national = targets()
    rates = protected_rates(df, policy)
    fig = go.Figure()
    lines = (("offered_72h_pct", RATES["offered_72h_pct"][2], "#0072B2", "solid"),
             ("completed_72h_pct", RATES["completed_72h_pct"][2], "#009E73", "solid"),
             ("declined_pct", "Declined", "#CC79A7", "dot"))
    for col, name, colour, dash in lines:
        values = pd.to_numeric(rates[col], errors="coerce")
        fig.add_scatter(x=pd.to_datetime(rates["month"]), y=values, name=name, mode="lines+markers",
                        line={"color": colour, "dash": dash},
                        hovertemplate="%{x|%B %Y}: %{y:.0%}<extra>" + name + "</extra>")
    fig.add_hline(y=target / 100, line={"color": "#D55E00", "dash": "dash", "width": 2}, opacity=1,
                  annotation_text=f"Local target {target:.0f}%", annotation_position="top left")
    fig.add_hline(y=national / 100, line={"color": "#555555", "dash": "dashdot", "width": 2}, opacity=1,
                  annotation_text=f"National: {national:.0f}% completed within 72 hours", annotation_position="bottom left")
    fig.update_xaxes(tickformat="%b %Y", hoverformat="%B %Y", title=None)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], title=None)
    fig.update_layout(template="simple_white", legend={"orientation": "h", "y": -0.15}, margin={"t": 30})
    return fig
