"""The jobs' tables rendered for a terminal: what each is, then the table."""

__all__ = ["describe_fitted", "format_tables"]


def _fmt(value):
    return f"{value:.3f}"


def _wide(leakage, values, aggfunc="mean"):
    return leakage.pivot_table(
        index=["attribute", "attacker", "attacker_people"],
        columns="representation",
        values=values,
        aggfunc=aggfunc,
        sort=False,
    )


def _leakage(leakage):
    """Balanced accuracy with Diff, within-identity AUC and the verdicts, one table each."""
    protocol = leakage.protocol.iloc[0]
    who = {
        "held-out": "attackers trained only on blinded templates of held-out subjects",
        "deployment": "attackers trained on templates of some of the people given and "
        "tested on the others (the representations were fitted on other people)",
        "in-sample": "attackers trained on the model's own training subjects (the paper's; "
        "cannot show blindness)",
    }[protocol]
    diff = _wide(leakage, "diff").drop(columns="raw", errors="ignore").add_prefix("Diff ")
    return "\n".join(
        [
            f"Protocol {protocol}: {who}; each attacker held attacker_people people "
            f"({_held(leakage)}).",
            "",
            "Balanced accuracy (chance: the chance column of the CSV) and Diff = (raw - after) "
            "/ (raw - chance), the paper's Eq. 4.1; both fractions (1 = 100 %). Diff is NaN "
            "where raw reads less than 0.05 above chance: nothing to remove",
            _wide(leakage, "balanced_accuracy").join(diff).to_string(float_format=_fmt),
            "",
            "Within-identity AUC (a person's images ranked by class; chance exactly 0.5)",
            _wide(leakage, "within_auc").to_string(float_format=_fmt),
            "",
            *_pic(leakage),
            "Verdict (permutation tests at alpha/2 on both metrics; the smallest detectable "
            f"within-identity AUC shift here is about {leakage.within_auc_mde.median():.3f})",
            _wide(leakage, "verdict", aggfunc="first").to_string(),
        ]
    )


def _pic(leakage):
    """PIC against raw, one column per method; nothing when no row has one."""
    if "pic" not in leakage or leakage.pic.isna().all():
        return []
    pic = _wide(leakage, "pic").drop(columns="raw", errors="ignore")
    return [
        "PIC against raw (the attacker's relative rise in balanced error minus the relative "
        "rise in held-out verification EER; higher is better; attributes removed only)",
        pic.to_string(float_format=_fmt),
        "",
    ]


def _held(leakage):
    """The attackers' sizes in words."""
    low, high = int(leakage.attacker_people.min()), int(leakage.attacker_people_max.max())
    return f"{low} people" if low == high else f"{low} to {high} people"


def _in_sample(leakage):
    return _wide(leakage, "balanced_accuracy").to_string(float_format=_fmt)


def _plain(table):
    """The table as text; counts (``n_*`` columns) as whole numbers."""
    table = table.copy()
    for column in table.columns:
        if str(column).startswith("n_"):
            table[column] = table[column].round().astype("Int64")
    return table.to_string(index=False, float_format=_fmt)


def _table_2(table):
    """Table II's means (accuracy, each group's TPR, the gap), the gap's and EO's spread."""
    columns = [
        c
        for c in table.columns
        if c in ("split", "representation", "tpr_gap_std", "equality_of_opportunity_std")
        or c.endswith("_mean")
    ]
    return _plain(table[columns])


#: name -> (title, formatter), in the order they are printed.
_SECTIONS = {
    "parts": ("Parts of the protocol", lambda t: t.to_string(index=False)),
    "verification": (
        "Identity verification of the raw layers (all pairs, 10-fold LFW-style; rates are "
        "fractions, n_* are pair counts)",
        _plain,
    ),
    "table_1_leakage": ("Table I: what attackers read of each attribute", _leakage),
    "leakage": ("What attackers read of each attribute", _leakage),
    "table_1_in_sample": (
        "Table I, the paper's in-sample protocol, for comparison (balanced accuracy, a fraction)",
        _in_sample,
    ),
    "table_1_verification": (
        "Verification on held-out subjects (ROC AUC and accuracy: fractions, mean and std "
        "over splits)",
        _plain,
    ),
    "table_2_fairness": (
        "Table II: a classifier trained on a smiling-biased (70/30) or an unbiased split; "
        "accuracy and TPR by smiling group on held-out subjects, TPR gap and equality of "
        "opportunity (1 - gap): all fractions, mean and std over seeds",
        _table_2,
    ),
    "tradeoff": (
        "Trade-off: SensitiveNets (paper) over lambda, INLP over its iterations (one subject "
        "split; an SVM attacker trained only on held-out subjects): leakage = |within-"
        "identity AUC - 0.5| (leakage_se: its standard error over persons), utility = "
        "verification ROC AUC; all fractions",
        _plain,
    ),
}


def format_tables(tables):
    """Render a job's tables for a terminal, each under a title that says what it is.

    Parameters
    ----------
    tables : dict
        Name -> pandas.DataFrame, as the jobs return them; names without a known
        rendering (per-seed detail, timings) are left out, as are empty tables.

    Returns
    -------
    str
    """
    blocks = []
    for name, (title, render) in _SECTIONS.items():
        table = tables.get(name)
        if table is not None and len(table):
            blocks.append(f"{title}\n{render(table)}")
    return "\n\n".join(blocks)


def describe_fitted(model):
    """What a fitted blinding method holds, in words: its stages and what each removed.

    Parameters
    ----------
    model : fitted estimator
        A :class:`~skblind.suppression.Blinder`, an eraser or a learned suppressor.

    Returns
    -------
    list of str
        One line per stage.
    """
    stages = (
        [(name, getattr(model, f"{name}_")) for name in model._STAGE_NAMES]
        if hasattr(model, "within_")
        else [(type(model).__name__, model)]
    )
    return [f"{name}: {_stage_words(stage)}" for name, stage in stages]


def _stage_words(stage):
    import numpy as np

    if stage is None:
        return "none"
    kind = type(stage).__name__
    if hasattr(stage, "budget") and hasattr(stage, "n_components_"):  # the margin
        return (
            f"{kind}, kept {stage.n_components_} of {stage.n_features_in_} directions "
            f"(budget {stage.budget:g}); the rest projected out"
        )
    if hasattr(stage, "directions_"):  # the within-identity eraser
        return (
            f"{kind}, {len(stage.directions_)} direction(s) removed ({stage.n_shared_} shared "
            f"by the persons, {len(stage.directions_) - stage.n_shared_} tested within persons)"
        )
    if hasattr(stage, "projection_"):
        rank = int(np.linalg.matrix_rank(stage.projection_))
        return f"{kind}, {rank} direction(s) removed"
    if hasattr(stage, "history_"):
        last = stage.history_.iloc[-1]
        terms = ", ".join(
            f"{term} {last[term]:.4f}" for term in stage._net_class.term_names if term in last
        )
        return f"{kind}, {int(last.epoch)} epochs; last epoch's loss terms: {terms}"
    return kind
