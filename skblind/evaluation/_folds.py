"""The one rule by which skblind splits samples into folds: by subject."""

from sklearn.model_selection import GroupKFold, StratifiedGroupKFold, StratifiedKFold

__all__ = ["subject_folds"]


def subject_folds(n_splits, *, grouped, stratified=False, random_state=None):
    """The cross-validation splitter of the audit's splits and of an attacker's folds.

    With groups (subject ids) the folds are subject-disjoint: an attacker must never be
    tested on a person it was trained on, or it reads the attribute from identity.
    Without groups they are stratified random folds (the caller warns about what that
    flatters).

    Parameters
    ----------
    n_splits : int
        Number of folds.
    grouped : bool
        Whether ``split`` will be given ``groups``: subject-disjoint folds.
    stratified : bool, default=False
        With groups, also balance the classes across folds as far as the groups allow
        (``StratifiedGroupKFold``). Folds without groups are always stratified.
    random_state : int or None, default=None
        Shuffles the assignment of samples (or subjects) to folds with this seed; None
        keeps the data's order.

    Returns
    -------
    cross-validation splitter
        ``GroupKFold``, ``StratifiedGroupKFold`` or ``StratifiedKFold``.
    """
    shuffle = random_state is not None
    if not grouped:
        return StratifiedKFold(n_splits, shuffle=shuffle, random_state=random_state)
    if stratified:
        return StratifiedGroupKFold(n_splits, shuffle=shuffle, random_state=random_state)
    return GroupKFold(n_splits, shuffle=shuffle, random_state=random_state)
