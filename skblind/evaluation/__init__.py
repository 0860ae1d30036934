"""Audits of a representation: what it still reveals, what it still does, how fair it is."""

from ._attackers import (
    PCAWhitener,
    ScalableSVC,
    adaptive_attacker,
    attack_scores,
    default_attackers,
)
from ._fairness import (
    equality_of_opportunity,
    group_metric_frame,
    make_biased_split,
    verification_metric_frame,
)
from ._folds import subject_folds
from ._leakage import (
    PROTOCOLS,
    audit_report,
    audit_splits,
    diff_score,
    leakage_report,
    min_permutations,
    pic_score,
)
from ._leakage_stats import within_identity_auc
from ._plots import (
    feature_removal_curve,
    plot_attacker_curve,
    plot_feature_removal,
    plot_group_tpr,
    plot_leakage,
    plot_learning_curve,
    plot_tradeoff,
    plot_tsne,
    plot_verification_curves,
    tsne_points,
)
from ._represent import fit_representations
from ._result import LEAKAGE_COLUMNS, VERIFICATION_COLUMNS, Audit
from ._scorers import (
    BlindingScorer,
    LeakageScorer,
    VerificationScorer,
    best_utility_under_leakage,
)
from ._verification import (
    pair_groups,
    pair_similarities,
    threshold_at_fmr,
    verification_rates,
    verification_report,
    verification_roc_auc,
)

__all__ = [
    "Audit",
    "BlindingScorer",
    "LEAKAGE_COLUMNS",
    "PCAWhitener",
    "PROTOCOLS",
    "ScalableSVC",
    "VERIFICATION_COLUMNS",
    "LeakageScorer",
    "VerificationScorer",
    "best_utility_under_leakage",
    "adaptive_attacker",
    "attack_scores",
    "audit_report",
    "audit_splits",
    "default_attackers",
    "diff_score",
    "pic_score",
    "equality_of_opportunity",
    "feature_removal_curve",
    "fit_representations",
    "group_metric_frame",
    "leakage_report",
    "make_biased_split",
    "min_permutations",
    "pair_groups",
    "pair_similarities",
    "plot_feature_removal",
    "plot_attacker_curve",
    "plot_group_tpr",
    "plot_leakage",
    "plot_learning_curve",
    "plot_tradeoff",
    "plot_verification_curves",
    "plot_tsne",
    "subject_folds",
    "threshold_at_fmr",
    "tsne_points",
    "verification_metric_frame",
    "verification_rates",
    "verification_report",
    "verification_roc_auc",
    "within_identity_auc",
]
