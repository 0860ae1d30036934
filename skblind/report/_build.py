"""The report: every section built from what the audits return, in one HTML file."""

import pandas as pd

from .._io import atomic_path
from . import _html

__all__ = ["build"]

_PROTOCOL_LABELS = {
    "held-out": "held-out attacker: trained only on templates of people the blinding model "
    "never saw",
    "deployment": "deployment: the representations were fitted on other people; attackers "
    "trained on some of the people given and tested on others",
    "in-sample": "in-sample (the paper's): attackers trained on the model's own training "
    "rows; it cannot show blindness",
}


def _absent(why):
    return f'<p class="absent">Not in this run: {_html.text(why)}</p>'


def _lacking(table, name, columns):
    """An 'absent' note when ``table`` lacks columns the section cannot do without."""
    missing = [column for column in columns if column not in table]
    if missing:
        return _absent(f"the {name} table given has no column {', '.join(map(repr, missing))}.")
    return None


def _run_section(about):
    if not about:
        return _absent("no description of the run was given (about=None).")
    parts = []
    summary = {
        key: about[key] for key in ("command", "started", "seconds", "finished") if key in about
    }
    parts.append(_html.table(_html.frame_of(summary), wrap=True))
    if about.get("settings"):
        parts.append("<h3>Settings and data</h3>")
        parts.append(_html.table(_html.frame_of(about["settings"]), wrap=True))
    if about.get("methods"):
        parts.append("<h3>Methods</h3>")
        for name, method in about["methods"].items():
            params = _html.table(_html.frame_of(method.get("params", {})), wrap=True)
            parts.append(
                f"<details><summary>{_html.text(name)}: "
                f"<code>{_html.text(method.get('class', '?'))}</code></summary>{params}</details>"
            )
    if about.get("versions"):
        parts.append("<h3>Versions</h3>")
        parts.append(_html.table(_html.frame_of(about["versions"]), wrap=True))
    if about.get("units"):
        parts.append("<h3>Units</h3>")
        parts.append(_html.table(_html.frame_of(about["units"]), wrap=True))
    return "".join(parts)


def _with_interval(rows, metric):
    """``value [low, high]`` strings of a metric and its interval columns."""
    if metric not in rows:
        return ["–"] * len(rows)
    low, high = rows.get(f"{metric}_ci_low"), rows.get(f"{metric}_ci_high")
    if low is None or high is None:
        return rows[metric].map(_html.cell)
    return _bracketed(rows[metric], low, high)


def _bracketed(values, lows, highs):
    """``value [low, high]`` strings, numbers formatted as in the tables."""
    return [
        f"{_html.cell(v)} [{_html.cell(lo)}, {_html.cell(hi)}]"
        for v, lo, hi in zip(values, lows, highs, strict=True)
    ]


def _leakage_section(leakage):
    from ..evaluation import plot_attacker_curve, plot_leakage

    if leakage is None or leakage.empty:
        return _absent("no leakage table was given (leakage=None).")
    if lacking := _lacking(leakage, "leakage", ("representation", "attribute", "attacker")):
        return lacking
    if "protocol" not in leakage:
        leakage = leakage.assign(protocol="unstated")
    parts = []
    for protocol, by_protocol in leakage.groupby("protocol", sort=False):
        label = _PROTOCOL_LABELS.get(protocol, protocol)
        parts.append(f"<h3>Protocol: {_html.text(label)}</h3>")
        for attribute, rows in by_protocol.groupby("attribute", sort=False):
            # the verdict comes early so that a narrow window shows it; the note wraps
            shown = pd.DataFrame(
                {
                    "representation": rows.representation,
                    "attacker": rows.attacker,
                    "verdict": rows["verdict"] if "verdict" in rows else "–",
                    "within-identity AUC [CI]": _with_interval(rows, "within_auc"),
                    "noise floor (MDE)": rows.get("within_auc_mde", float("nan")),
                    "balanced accuracy [CI]": _with_interval(rows, "balanced_accuracy"),
                    "chance": rows.get("chance", float("nan")),
                    "Diff": rows["diff"] if "diff" in rows else float("nan"),
                    "PIC": rows["pic"] if "pic" in rows else float("nan"),
                    "people held": _people(rows),
                    "note": rows["note"].fillna("") if "note" in rows else "",
                }
            )
            parts.append(f"<h4>{_html.text(attribute)}</h4>")
            parts.append(_html.table(shown, highlight="verdict", wrap="note"))
            sizes = rows["attacker_people"].nunique() if "attacker_people" in rows else 1
            largest = rows
            if sizes > 1:
                largest = rows[rows.attacker_people == rows.attacker_people.max()]
                parts.append(
                    _html.figure(
                        plot_attacker_curve(by_protocol, attribute=attribute),
                        f"Attackers reading {attribute} ({protocol}) by the people they were "
                        "trained on: within-identity AUC with its interval (dotted: chance). "
                        "Each size is scored on the same people.",
                    )
                )
            parts.append(
                _html.figure(
                    plot_leakage(largest, attribute=attribute),
                    f"Attackers reading {attribute} ({protocol}"
                    + (
                        f", the largest attackers: {int(largest.attacker_people.max())} people"
                        if sizes > 1
                        else ""
                    )
                    + "): balanced accuracy (left, dashed: chance) and within-identity AUC "
                    "(right, dashed: 0.5); bars are the intervals.",
                )
            )
    return "".join(parts)


def _summary_section(leakage, verification):
    """The verdict in words per representation, and a representation x attacker matrix."""
    from ..evaluation import LEAKAGE_COLUMNS, Audit

    needed = ("representation", "attribute", "attacker", "verdict", "attacker_people")
    if leakage is None or leakage.empty or _lacking(leakage, "leakage", needed):
        return _absent("no leakage table with verdicts and attacker sizes was given.")
    parts = []
    for protocol, rows in leakage.groupby(leakage.get("protocol", "unstated"), sort=False):
        rows = rows.reindex(columns=list(LEAKAGE_COLUMNS))
        audit = Audit(rows, verification if verification is not None else pd.DataFrame(), {})
        label = _PROTOCOL_LABELS.get(protocol, protocol)
        items = "".join(f"<li>{_html.text(line)}</li>" for line in audit.verdicts())
        parts.append(f'<h3>{_html.text(label)}</h3><ul class="verdicts">{items}</ul>')
        for attribute, part in rows.groupby("attribute", sort=False):
            part = part[part.attacker_people == part.attacker_people.max()]
            metric = "within_auc" if part.within_auc.notna().any() else "balanced_accuracy"
            values = part.pivot_table(
                index="representation", columns="attacker", values=metric, sort=False
            )
            verdicts = part.pivot_table(
                index="representation",
                columns="attacker",
                values="verdict",
                aggfunc="first",
                sort=False,
            ).reindex_like(values)
            shown = values.reset_index()
            shades = verdicts.map(lambda v: _html.VERDICT_SHADES.get(v, "")).reset_index()
            shades["representation"] = ""
            what = "within-identity AUC" if metric == "within_auc" else "balanced accuracy"
            people = int(part.attacker_people.min())
            parts.append(
                f"<h4>{_html.text(attribute)}: {what} of each attacker (holding {people} "
                "people), shaded by verdict</h4>"
            )
            parts.append(_html.table(shown, classes=shades.astype(str)))
    return "".join(parts)


def _people(rows):
    """How many people each row's attacker was trained on: ``n`` or ``low-high``."""
    if "attacker_people" not in rows:
        return ["–"] * len(rows)
    high = rows.get("attacker_people_max", rows.attacker_people)
    return [
        f"{int(low)}" if low == top else f"{int(low)}-{int(top)}"
        for low, top in zip(rows.attacker_people, high, strict=True)
    ]


def _verification_section(verification, pairs):
    from ..evaluation import plot_verification_curves, verification_rates

    parts = []
    if verification is not None and not verification.empty:
        parts.append("<h3>Held-out verification over the audit's splits</h3>")
        parts.append(
            "<p>Each method refitted on every split's training people and scored on pairs of "
            "that split's held-out people; the mean over splits with its interval.</p>"
        )
        parts.append(_html.table(verification))
    if pairs:
        rates = pd.DataFrame(
            [{"representation": name, **verification_rates(*pair)} for name, pair in pairs.items()]
        )
        parts.append("<h3>Curves, on the pairs given</h3>")
        parts.append(
            "<p>One fit of each method, scored on the pairs passed to the report (every pair "
            "of one set of held-out images). They differ from the table above by which fit and "
            "which pairs: a single split's figure, expected to fall within the spread over "
            "splits, not to equal their mean.</p>"
        )
        parts.append(_html.table(rates))
        parts.append(
            _html.figure(
                plot_verification_curves(pairs),
                "ROC (left; false-match rate on a log scale) and DET (right) per representation.",
            )
        )
    return "".join(parts) or _absent("no verification table or pairs were given.")


def _tradeoff_section(tradeoff):
    from ..evaluation import plot_tradeoff

    if tradeoff is None or tradeoff.empty:
        return _absent("no sweep of a method's strength was given (tradeoff=None).")
    if lacking := _lacking(tradeoff, "trade-off", ("leakage", "utility")):
        return _html.table(tradeoff) + lacking
    hue = "method" if "method" in tradeoff else None
    label = next((c for c in ("setting", "lam") if c in tradeoff), "setting")
    errors = {
        key: column
        for key, column in (("leakage_err", "leakage_se"), ("utility_err", "utility_se"))
        if column in tradeoff
    }
    fig = plot_tradeoff(tradeoff, hue=hue, label=label, **errors)
    return _html.table(tradeoff) + _html.figure(
        fig, "Verification utility against leakage, one point per method and strength."
    )


def _frame_table(frame):
    """A MetricFrame by group, overall and largest gap; rates with their bootstrap intervals."""
    by_group = frame.by_group
    booted = bool(getattr(frame, "n_boot", None))
    shown = pd.DataFrame({"group": [str(g) for g in by_group.index] + ["overall", "largest gap"]})
    difference = frame.difference()
    for metric in by_group.columns:
        column = [*by_group[metric], frame.overall[metric]]
        column.append(float("nan") if metric == "count" else difference[metric])
        if booted and metric != "count":
            low, high = frame.by_group_ci[0][metric], frame.by_group_ci[-1][metric]
            column[: len(by_group)] = _bracketed(by_group[metric], low, high)
            metric = f"{metric} [CI]"
        shown[metric] = column
    return shown


def _fairness_section(fairness, fairness_summary, verification_fairness):
    from ..evaluation import plot_group_tpr

    parts = []
    if fairness:
        parts.append("<h3>Downstream classifier: metrics by group (fairlearn MetricFrame)</h3>")
        for name, frame in fairness.items():
            gap = frame.difference()["true_positive_rate"]
            parts.append(
                f"<p><b>{_html.text(name)}</b>: TPR gap {_html.cell(gap)}, equality of "
                f"opportunity (1 - gap) {_html.cell(1 - gap)}</p>"
            )
            parts.append(_html.table(_frame_table(frame)))
        tpr = pd.DataFrame(
            {name: frame.by_group["true_positive_rate"] for name, frame in fairness.items()}
        ).T
        errors = None
        if all(getattr(frame, "n_boot", None) for frame in fairness.values()):
            low = pd.DataFrame(
                {n: f.by_group_ci[0]["true_positive_rate"] for n, f in fairness.items()}
            ).T
            high = pd.DataFrame(
                {n: f.by_group_ci[-1]["true_positive_rate"] for n, f in fairness.items()}
            ).T
            errors = (tpr - low, high - tpr)
        parts.append(
            _html.figure(
                plot_group_tpr(tpr, errors=errors, title="True-positive rate by group"),
                "True-positive rate of the downstream classifier by group"
                + ("; bars: bootstrap intervals." if errors is not None else "."),
            )
        )
    if fairness_summary is not None and not fairness_summary.empty:
        parts.append("<h3>Over repetitions (mean and standard deviation)</h3>")
        parts.append(
            "<p>Means over every repetition (seed); each MetricFrame above is one "
            "repetition, named in its title, so its figures may differ from these means.</p>"
        )
        parts.append(_html.table(fairness_summary))
    if verification_fairness:
        parts.append(
            "<h3>Verification by group of pairs: false-match and false-non-match rates at one "
            "global threshold</h3>"
        )
        for name, frame in verification_fairness.items():
            parts.append(f"<p><b>{_html.text(name)}</b></p>")
            parts.append(_html.table(_frame_table(frame)))
    return "".join(parts) or _absent(
        "no fairness MetricFrames were given (fairness=None, verification_fairness=None)."
    )


def _figures_section(figures):
    if not figures:
        return _absent("no figures were given (figures=None).")
    parts = []
    for name, value in figures.items():
        source, caption = value if isinstance(value, tuple) else (value, name)
        parts.append(f"<h3>{_html.text(name)}</h3>")
        parts.append(_html.figure(source, caption))
    return "".join(parts)


_HOW = {
    "summary": "the verdict, per representation: for each attribute to remove, how many "
    "attackers still read it and how many people they held (a claim holds only for that "
    "attacker size), the strongest reading with its interval and noise floor; for each "
    "attribute to keep, whether it survived; then the verification cost. Red: read (or "
    "lost); green: not read (or kept); grey: not measurable (the attacker gave every "
    "template one score).",
    "run": "what produced these numbers; the same command, settings and versions reproduce "
    "them (fractions throughout: 1 = 100 %).",
    "leakage": "each row is an attacker trained to read the attribute, on templates of as "
    "many people as 'people held' says (leakage grows with them: a claim holds for the "
    "attacker size it was measured at); balanced accuracy at chance and within-identity AUC "
    "at 0.5 mean it reads nothing; brackets are 95 % intervals; the noise floor is the "
    "smallest within-identity AUC shift this data could detect; 'leaks' (shaded) means a "
    "permutation test rejected chance; 'not measurable' means the attacker gave every "
    "template one score (a collapsed representation), so no verdict applies; attributes that "
    "should survive (e.g. glasses) should keep reading high. Diff is the paper's normalised "
    "drop from raw; PIC (privacy gain minus identity loss, the face-template literature's "
    "trade-off in one number) is the attacker's relative rise in balanced error minus the "
    "relative rise in held-out verification EER, both against raw: higher is better, 0 is "
    "no change, and it is relative, so compare PICs against the same raw only.",
    "verification": "higher ROC AUC and true-accept rate (TAR) and lower equal error rate "
    "(EER) mean identities are still told apart; on the DET curve, lower left is better.",
    "tradeoff": "each point is a method at one strength; upper left is better (less leakage, "
    "more verification); points closer than their error bars are not distinguishable.",
    "fairness": "for each group the downstream classifier's rates with 95 % bootstrap "
    "intervals; a TPR gap near 0 (equality of opportunity near 1) is fair; verification "
    "rates per group at one threshold should match across groups.",
    "figures": "the paper's figures: t-SNE (classes mixed = blind), feature removal (the "
    "attacker falling towards chance as features go), and learning curves when present.",
}


def build(
    path=None,
    *,
    title="skblind report",
    about=None,
    audit=None,
    leakage=None,
    verification=None,
    pairs=None,
    tradeoff=None,
    fairness=None,
    fairness_summary=None,
    verification_fairness=None,
    figures=None,
):
    """One self-contained HTML report of a blinding run.

    Its sections: the run's settings, leakage, verification, trade-off, fairness and
    figures. Every section states how to read it; a section without its inputs says so. Figures
    are inlined as PNG data URIs and the page has no scripts and loads nothing, so the
    file can be mailed or archived as it is.

    Parameters
    ----------
    path : path-like, default=None
        Where to write the file (atomically: no half-written report); None writes none.
    title : str, default="skblind report"
        The page's title.
    about : dict, default=None
        What produced the run (as :func:`skblind.jobs` write it: ``command``,
        ``started``, ``settings``, ``methods``, ``versions``, ``units``).
    audit : Audit, default=None
        What :func:`~skblind.evaluation.audit_report` returned: its leakage and
        verification tables (``leakage`` and ``verification``, when given, are added to
        them: e.g. an in-sample audit beside a held-out one).
    leakage : pandas.DataFrame, default=None
        A leakage table (:data:`~skblind.evaluation.LEAKAGE_COLUMNS`; tables lacking some
        columns render what they hold).
    verification : pandas.DataFrame, default=None
        A verification table.
    pairs : dict, default=None
        Representation name -> ``(similarity, same)`` of verification pairs (from
        :func:`~skblind.evaluation.pair_similarities`), for ROC and DET curves, AUC,
        EER and TAR at FAR. Use templates the methods were not fitted on.
    tradeoff : pandas.DataFrame, default=None
        One row per method and strength: ``method``, ``setting`` (e.g. ``"lam=2"``),
        ``leakage``, ``utility`` and optionally ``leakage_se``, ``utility_se``.
    fairness : dict, default=None
        Name -> fairlearn ``MetricFrame`` of a downstream classifier with a
        ``true_positive_rate`` metric (e.g. from
        :func:`~skblind.evaluation.group_metric_frame` with ``n_boot``).
    fairness_summary : pandas.DataFrame, default=None
        The same over repetitions (e.g. Table II's means and standard deviations).
    verification_fairness : dict, default=None
        Name -> ``MetricFrame`` over pairs from
        :func:`~skblind.evaluation.verification_metric_frame`.
    figures : dict, default=None
        Title -> a matplotlib Figure, PNG bytes or a PNG file, or a tuple of one and
        its caption.

    Returns
    -------
    str
        The HTML document.
    """
    import matplotlib

    if audit is not None:
        leakage = pd.concat([audit.leakage, *([] if leakage is None else [leakage])])
        if verification is None:
            verification = audit.verification
    started = (about or {}).get("started", "")
    subtitle = f"{(about or {}).get('command', 'skblind')} {started}".strip()
    # Names in the figures are data, never TeX: a name holding "$...$" is drawn as typed.
    with matplotlib.rc_context({"text.parse_math": False}):
        sections = _sections(
            about,
            leakage,
            verification,
            pairs,
            tradeoff,
            fairness,
            fairness_summary,
            verification_fairness,
            figures,
        )
    document = _html.page(
        title,
        subtitle,
        [(a, name, _html.section(a, name, _HOW[a], body)) for a, name, body in sections],
    )
    if path is not None:
        with atomic_path(path) as tmp:
            tmp.write_text(document, encoding="utf-8")
    return document


def _sections(
    about,
    leakage,
    verification,
    pairs,
    tradeoff,
    fairness,
    fairness_summary,
    verification_fairness,
    figures,
):
    """(anchor, title, HTML body) of every section, in order.

    The verdict first, the run's settings last.
    """
    return [
        ("summary", "Summary", _summary_section(leakage, verification)),
        ("leakage", "Leakage", _leakage_section(leakage)),
        ("verification", "Verification", _verification_section(verification, pairs)),
        ("tradeoff", "Trade-off", _tradeoff_section(tradeoff)),
        (
            "fairness",
            "Fairness",
            _fairness_section(fairness, fairness_summary, verification_fairness),
        ),
        ("figures", "Figures", _figures_section(figures)),
        ("run", "Run: settings, versions, units", _run_section(about)),
    ]
