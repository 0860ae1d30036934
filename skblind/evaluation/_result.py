"""What an audit returns: its leakage and verification tables, their schema and settings."""

import pandas as pd

__all__ = ["LEAKAGE_COLUMNS", "VERIFICATION_COLUMNS", "Audit"]

#: The leakage table's columns, in order, and what each holds (one row per representation,
#: attribute, attacker and attacker size).
LEAKAGE_COLUMNS = {
    "representation": "the representation attacked (``raw``: the embeddings as given)",
    "attribute": "the attribute the attacker reads",
    "role": "'removed' (should not be readable) or 'kept' (should survive: keep=)",
    "attacker": "the attacker's name in the battery",
    "protocol": "who the attackers were trained on: held-out, in-sample or deployment",
    "attacker_people": "the people the attacker was trained on (the fewest over its "
    "trainings: folds and repetitions)",
    "attacker_people_max": "the most people over its trainings",
    "tested_people": "the people it was scored on, over all folds",
    "balanced_accuracy": "balanced accuracy, averaged over the folds it was scored on",
    "balanced_accuracy_std": "its standard deviation over those folds",
    "balanced_accuracy_ci_low": "bootstrap interval of the mean over folds (1 - alpha)",
    "balanced_accuracy_ci_high": "bootstrap interval of the mean over folds (1 - alpha)",
    "balanced_accuracy_p": "two-sided permutation p-value (whole persons' labels handed to "
    "other persons)",
    "balanced_accuracy_mde": "minimum detectable effect: the distance from the null's centre "
    "it would have taken to reject",
    "chance": "what an attacker ignoring the data scores on those folds (mean of 1 / "
    "classes present per fold)",
    "null_balanced_accuracy": "the null's centre",
    "accuracy": "plain accuracy, averaged over folds",
    "accuracy_std": "its standard deviation over folds",
    "balanced_accuracy_pooled": "balanced accuracy of every scored row at once",
    "within_auc": "within-identity AUC: per person with two classes, the ROC AUC of the "
    "attacker's score between that person's classes, averaged over persons (chance 0.5)",
    "within_auc_ci_low": "bootstrap interval over persons (1 - alpha)",
    "within_auc_ci_high": "bootstrap interval over persons (1 - alpha)",
    "within_auc_p": "two-sided permutation p-value (labels shuffled within each person)",
    "within_auc_mde": "minimum detectable effect of the within-identity AUC",
    "n_within_persons": "persons with two classes among the scored rows",
    "verdict": "removed attributes: 'leaks' when either p-value is at most alpha / 2, else 'no "
    "leakage detected' (read it with the minimum detectable effects); kept attributes: 'kept' "
    "when the attacker still reads it above chance, else 'lost'; 'not measurable' when the "
    "attacker gave every template one score (the note says why)",
    "note": "why a figure is not what it seems, in words (empty when nothing is to say): a "
    "constant attacker, a within-identity AUC not measurable, a reading below chance, a "
    "chance other than 1/classes, a Diff outside [0, 1]",
    "diff": "the paper's Diff against the reference: (before - after) / (before - chance)",
    "balanced_accuracy_minus_reference": "paired difference to the reference, same folds",
    "balanced_accuracy_minus_reference_ci_low": "its bootstrap interval",
    "balanced_accuracy_minus_reference_ci_high": "its bootstrap interval",
    "within_auc_minus_reference": "paired difference to the reference, same persons",
    "within_auc_minus_reference_ci_low": "its bootstrap interval",
    "within_auc_minus_reference_ci_high": "its bootstrap interval",
    "pic": "privacy gain identity loss coefficient against the reference (pic_score): the "
    "relative rise of the attacker's balanced error minus the relative rise of the held-out "
    "verification EER; removed attributes only, NaN without identities",
}

#: The verification table's columns (one row per representation).
VERIFICATION_COLUMNS = {
    "representation": "the representation",
    "roc_auc": "verification ROC AUC of cosine similarity, mean over the scored parts",
    "roc_auc_std": "its standard deviation over the parts",
    "accuracy": "LFW-style accuracy (genuine and impostor pairs weighed alike), mean",
    "accuracy_std": "its standard deviation over the parts",
    "eer": "equal error rate of the same verification, mean over the parts",
    "eer_std": "its standard deviation over the parts",
}


class Audit:
    """The result of :func:`~skblind.evaluation.audit_report`: leakage, verification, settings.

    In the manner of fairlearn's ``MetricFrame``: one object holds the audit's rows by
    representation, attribute, attacker and attacker size (:attr:`leakage`, whose
    columns :data:`LEAKAGE_COLUMNS` documents), the verification of each representation
    (:attr:`verification`), the settings it ran with, and draws its figures.
    :func:`skblind.report.build` takes it whole (``audit=``).

    Parameters
    ----------
    leakage : pandas.DataFrame
        The leakage rows, columns as in :data:`LEAKAGE_COLUMNS`.
    verification : pandas.DataFrame
        The verification rows, columns as in :data:`VERIFICATION_COLUMNS` (empty
        without identities).
    settings : dict
        How the audit ran: ``protocol``, ``n_splits``, ``n_repeats``, ``attack_splits``,
        ``attacker_people``, ``n_permutations``, ``alpha``, ``reference``,
        ``random_state``.

    Attributes
    ----------
    leakage : pandas.DataFrame
    verification : pandas.DataFrame
    settings : dict

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.evaluation import audit_report
    >>> data = make_blinding_problem(n_subjects=40, random_state=0)
    >>> audit = audit_report(
    ...     data.X, data.sensitive, groups=data.subject, y=data.subject,
    ...     attackers={"LR": LogisticRegression()}, adaptive=False, progress=False,
    ... )
    >>> audit.leakage[["representation", "attacker", "attacker_people", "verdict"]]
      representation attacker  attacker_people verdict
    0            raw       LR                6   leaks
    """

    def __init__(self, leakage, verification, settings):
        self.leakage = leakage
        self.verification = verification
        self.settings = dict(settings)

    def __repr__(self):
        sizes = sorted(set(self.leakage.get("attacker_people", [])))
        return (
            f"Audit(protocol={self.settings.get('protocol')!r}, "
            f"representations={list(dict.fromkeys(self.leakage.representation))}, "
            f"attributes={list(dict.fromkeys(self.leakage.attribute))}, "
            f"attackers={list(dict.fromkeys(self.leakage.attacker))}, "
            f"attacker_people={sizes})"
        )

    def to_frame(self):
        """The leakage rows as a new DataFrame (columns: :data:`LEAKAGE_COLUMNS`).

        Returns
        -------
        pandas.DataFrame
        """
        return self.leakage.copy()

    def summary(self):
        """One row per representation, attribute and attacker size: what leaked, to whom.

        Returns
        -------
        pandas.DataFrame
            ``attackers`` (how many), ``leaking`` (how many read the attribute),
            ``largest_within_auc`` and ``largest_within_auc_attacker`` (the strongest
            reading), ``within_auc_mde`` (its noise floor: the smallest effect that would
            have been detected) and, with identities, ``verification_roc_auc`` (one
            column per data set, ``verification_roc_auc (LFW)``, when the verification
            table has a ``dataset`` column).
        """
        rows = []
        keys = ["representation", "attribute", "attacker_people"]
        for key, part in self.leakage.groupby(keys, sort=False):
            strongest = part.loc[part.within_auc.fillna(-1).idxmax()]
            rows.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "attackers": len(part),
                    "leaking": int((part.verdict == "leaks").sum()),
                    "largest_within_auc": strongest.within_auc,
                    "largest_within_auc_attacker": strongest.attacker,
                    "within_auc_mde": strongest.within_auc_mde,
                }
            )
        table = pd.DataFrame(rows)
        for where, auc in self._verification_auc().items():
            name = f"verification_roc_auc ({where})" if where else "verification_roc_auc"
            table[name] = table.representation.map(auc)
        return table

    def verdicts(self):
        """The audit in words: one line per representation, at the largest attacker size.

        For each attribute to remove, how many attackers still read it, holding how many
        people, the strongest reading with its interval and the noise floor (raw's count
        beside it); for each attribute to keep, whether it was kept and its drop from raw;
        then the verification cost.

        Returns
        -------
        list of str
            E.g. ``"Blinder: smiling still leaks to 7 of 8 attackers holding 6 people
            (raw: 8 of 8; strongest LR, within-identity AUC 0.64 [0.58, 0.70], noise
            floor 0.10); glasses kept (...); verification ROC AUC 0.998 (raw 0.999)"``.
        """
        table = self.leakage
        largest = table.groupby(["representation", "attribute"]).attacker_people.transform("max")
        table = table[table.attacker_people == largest]
        raw = self.settings.get("reference", "raw")
        lines = []
        for representation, rows in table.groupby("representation", sort=False):
            parts = [
                _attribute_words(attribute, part, table, representation, raw)
                for attribute, part in rows.groupby("attribute", sort=False)
            ]
            parts.append(self._verification_words(representation, raw))
            lines.append(f"{representation}: " + "; ".join(p for p in parts if p))
        return lines

    def _verification_auc(self):
        """Representation x data set: verification ROC AUC.

        One column, ``""``, unless the verification table names its data sets (a
        ``dataset`` column, as ``skblind reproduce`` writes for CFEE, LFW and DiveFace);
        several rows of one representation and data set are averaged.
        """
        table = self.verification
        if not len(table) or not {"representation", "roc_auc"} <= set(table):
            return pd.DataFrame()
        where = table["dataset"] if "dataset" in table else pd.Series("", index=table.index)
        return table.assign(_where=where).pivot_table(
            index="representation", columns="_where", values="roc_auc", sort=False
        )

    def _verification_words(self, representation, raw):
        auc = self._verification_auc()
        if representation not in auc.index:
            return ""
        parts = []
        for where, value in auc.loc[representation].dropna().items():
            words = f"{value:.3f}" + (f" on {where}" if where else "")
            if representation != raw and raw in auc.index and pd.notna(auc.at[raw, where]):
                words += f" ({raw} {auc.at[raw, where]:.3f})"
            parts.append(words)
        return "verification ROC AUC " + ", ".join(parts) if parts else ""

    def plot(self, attribute=None, axes=None):
        """:func:`~skblind.evaluation.plot_leakage` of one attribute (one attacker size).

        Parameters
        ----------
        attribute : str, default=None
            The attribute drawn; None takes the first.
        axes : array of two matplotlib Axes, default=None
            None draws on a new figure.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ._plots import plot_leakage

        largest = self.leakage.attacker_people == self.leakage.attacker_people.max()
        return plot_leakage(self.leakage[largest], attribute=attribute, axes=axes)

    def plot_attacker_curve(self, attribute=None, metric="within_auc", ax=None):
        """:func:`~skblind.evaluation.plot_attacker_curve`: leakage against attacker size.

        Parameters
        ----------
        attribute : str, default=None
            The attribute drawn; None takes the first.
        metric : {"within_auc", "balanced_accuracy"}, default="within_auc"
            The leakage measure.
        ax : matplotlib Axes, default=None
            None draws on a new figure.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ._plots import plot_attacker_curve

        return plot_attacker_curve(self.leakage, attribute=attribute, metric=metric, ax=ax)


def _interval_words(row, metric):
    low, high = row[f"{metric}_ci_low"], row[f"{metric}_ci_high"]
    return f"{row[metric]:.3f} [{low:.3f}, {high:.3f}]"


def _attribute_words(attribute, rows, table, representation, raw):
    """One attribute of one representation, in words."""
    people = int(rows.attacker_people.min())
    held = f"attackers holding {people} people"
    unmeasured = int((rows.verdict == "not measurable").sum())
    if unmeasured == len(rows):
        if rows.note.astype(str).str.startswith("collapsed").all():
            why = "the representation maps every template to one point"
        else:
            why = "each gave every template one score (a collapsed representation, or one class)"
        return f"{attribute} not measurable by {len(rows)} {held}: {why}"
    if unmeasured:
        held += f" ({unmeasured} more not measurable: one score for every template)"
    rows = rows[rows.verdict != "not measurable"]
    if rows.within_auc.notna().any():
        strongest = rows.loc[rows.within_auc.idxmax()]
        reading = f"within-identity AUC {_interval_words(strongest, 'within_auc')}"
        floor = f"; noise floor {strongest.within_auc_mde:.3f}"
    else:
        strongest = rows.loc[rows.balanced_accuracy.idxmax()]
        reading = f"balanced accuracy {_interval_words(strongest, 'balanced_accuracy')}"
        floor = ""
    if (rows.get("role", "removed") == "kept").all():
        kept = int((rows.verdict == "kept").sum())
        words = f"{attribute} {'kept' if kept else 'lost'}: {kept} of {len(rows)} {held} read it"
        drop = rows.balanced_accuracy_minus_reference.min()
        if representation != raw and drop == drop:  # not NaN
            words += f" (largest drop of balanced accuracy from {raw}: {-drop:.3f})"
        return words
    leaking = int((rows.verdict == "leaks").sum())
    if leaking:
        words = f"{attribute} still leaks to {leaking} of {len(rows)} {held}"
    else:
        words = f"no leak of {attribute} detected by {len(rows)} {held}"
    others = table[(table.representation == raw) & (table.attribute == attribute)]
    versus = ""
    if representation != raw and len(others):
        versus = f"{raw}: {int((others.verdict == 'leaks').sum())} of {len(others)}; "
    return f"{words} ({versus}strongest {strongest.attacker}, {reading}{floor})"
