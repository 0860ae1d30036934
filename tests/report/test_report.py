"""The HTML report: every section, every figure decodes, self-contained, and renders in a
real browser (headless Chromium) without console errors."""

import base64
import io
import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression

from skblind.evaluation import (
    audit_report,
    group_metric_frame,
    pair_groups,
    pair_similarities,
    threshold_at_fmr,
    verification_metric_frame,
)
from skblind.report import build
from skblind.suppression import INLPEraser, LEACEEraser

#: The verdict first, the run's settings last (issue 27).
SECTIONS = ("summary", "leakage", "verification", "tradeoff", "fairness", "figures", "run")


@pytest.fixture(scope="module")
def run(small):
    """Every input of the report, from a small synthetic audit."""
    X, subject, smiling = small.X, small.subject, small.sensitive
    audit = audit_report(
        X,
        smiling,
        groups=subject,
        y=subject,
        representations={"raw": None, "LEACE": LEACEEraser()},
        attackers={"LR": LogisticRegression(max_iter=1000)},
        adaptive=False,
        n_splits=4,
        n_permutations=40,
        progress=False,
    )
    leakage, verification = audit.leakage, audit.verification
    held_out = subject >= 14
    fit = ~held_out
    blinded = LEACEEraser().fit(X[fit], subject[fit], sensitive_features=smiling[fit])
    shown = {"raw": X[held_out], "LEACE": blinded.transform(X[held_out])}
    pairs = {name: pair_similarities(Z, subject[held_out]) for name, Z in shown.items()}
    by_pair = pair_groups(smiling[held_out])
    verification_fairness = {
        name: verification_metric_frame(
            *pair, by_pair, threshold=threshold_at_fmr(*pair), n_boot=20, random_state=0
        )
        for name, pair in pairs.items()
    }
    rows = []
    for n in (1, 3):
        Z = INLPEraser(n_iterations=n).fit(X[fit], subject[fit], sensitive_features=smiling[fit])
        similarity, same = pair_similarities(Z.transform(X[held_out]), subject[held_out])
        rows.append(
            {
                "method": "INLP",
                "setting": f"n_iterations={n}",
                "leakage": 0.1 / n,
                "leakage_se": 0.02,
                "utility": float(np.mean(similarity[same])),
            }
        )
    rng = np.random.default_rng(0)
    predicted = rng.integers(0, 2, len(smiling))
    fairness = {
        "raw": group_metric_frame(smiling, predicted, subject % 2, n_boot=20, random_state=0)
    }
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    return dict(
        about={
            "command": "pytest",
            "started": "2026-11-29T00:00:00+00:00",
            "settings": {"n_splits": 4, "nested": {"a": 1}},
            "versions": {"numpy": "x"},
            "methods": {"LEACE": {"class": "LEACEEraser", "params": {"method": "leace"}}},
        },
        leakage=leakage,
        verification=verification,
        pairs=pairs,
        tradeoff=pd.DataFrame(rows),
        fairness=fairness,
        fairness_summary=pd.DataFrame({"representation": ["raw"], "tpr_gap_mean": [0.1]}),
        verification_fairness=verification_fairness,
        figures={"A line": (fig, "a line, drawn by the test")},
    )


def _images(page):
    return re.findall(r'<img [^>]*src="([^"]+)"', page)


def test_every_section_is_filled_and_every_figure_decodes(run, tmp_path):
    path = tmp_path / "out" / "report.html"
    page = build(path, **run)
    assert path.read_text(encoding="utf-8") == page
    positions = [page.index(f'<section id="{anchor}">') for anchor in SECTIONS]
    assert positions == sorted(positions)
    assert page.count("How to read this:") == len(SECTIONS)
    assert "Not in this run" not in page
    # the verdict in words, and a representation x attacker matrix shaded by verdict
    assert "<li>raw: sensitive still leaks to 1 of 1 attackers holding" in page
    assert "<li>LEACE: " in page and "noise floor" in page
    assert "sensitive: within-identity AUC of each attacker (holding" in page
    assert page.count('<td class="leaks">') + page.count('<td class="clear">') >= 4
    sources = _images(page)
    # leakage chart, verification curves, trade-off, TPR by group, the figure given
    assert len(sources) == 5
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        image = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))
        image.verify()
        assert image.size[0] > 200 and image.size[1] > 100
    # self-contained: nothing to fetch, nothing to run
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert re.findall(r'(?:src|href)="(?!data:|#)', page) == []
    # the numbers are the inputs', formatted alike
    raw_lr = run["leakage"].query("representation == 'raw'").iloc[0]
    assert f"{raw_lr.balanced_accuracy:.3f} [{raw_lr.balanced_accuracy_ci_low:.3f}," in page
    assert "held-out attacker" in page and "leaks" in page
    assert "false_match_rate [CI]" in page and "true_positive_rate [CI]" in page
    assert "equality of opportunity" in page
    assert "n_iterations=3" in page
    assert "LEACEEraser" in page and "settings.nested.a" not in page and "nested.a" in page


def test_a_section_without_its_inputs_says_so():
    page = build()
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in page
    assert page.count("Not in this run") == len(SECTIONS)


def test_each_protocol_gets_its_own_tables_and_chart(run):
    both = pd.concat([run["leakage"], run["leakage"].assign(protocol="in-sample")])
    page = build(leakage=both)
    assert "Protocol: held-out attacker" in page and "it cannot show blindness" in page
    assert len(_images(page)) == 2


@pytest.mark.filterwarnings("ignore:audit_report without groups")
def test_a_leakage_table_without_groups_has_no_within_identity_column(small):
    leakage = audit_report(
        small.X,
        small.sensitive,
        attackers={"LR": LogisticRegression(max_iter=1000)},
        adaptive=False,
        n_splits=3,
        n_permutations=40,
        progress=False,
    ).leakage
    assert leakage.within_auc.isna().all()
    for table in (leakage, leakage.drop(columns=[c for c in leakage if "within" in c])):
        page = build(leakage=table)
        assert "within-identity AUC [CI]" in page and len(_images(page)) == 1


def test_a_bad_figure_leaves_no_file(tmp_path):
    path = tmp_path / "report.html"
    with pytest.raises(TypeError, match="a figure must be a matplotlib Figure, PNG bytes"):
        build(path, figures={"wrong": 3})
    with pytest.raises(ValueError, match="not a PNG image"):
        build(path, figures={"wrong": b"GIF89a"})
    assert list(tmp_path.iterdir()) == []


def _chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("SKBLIND_REQUIRE_BROWSER"):
            pytest.fail("SKBLIND_REQUIRE_BROWSER is set but no chromium is on PATH")
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    return found


def test_names_holding_dollar_signs_are_drawn_as_typed(run):
    # repro2/report_mathtext_names.py: matplotlib parsed '$...$' in an attribute or
    # model name as TeX, and the report (after the whole audit) failed to parse it
    import matplotlib.pyplot as plt

    made = []
    original = plt.Figure.savefig

    def texts_then_save(self, *args, **kwargs):
        original(self, *args, **kwargs)  # drawn: every text exists now
        made.extend(t for t in self.findobj(plt.Text) if t.get_text())

    leakage = run["leakage"].replace({"raw": "m$\\frac{$", "smiling": "a $\\foo$ b"})
    leakage["attribute"] = "a $\\foo$ b"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plt.Figure, "savefig", texts_then_save)
        document = build(leakage=leakage)
    assert "m$\\frac{$" in document and "a $\\foo$ b" in document
    names = [t for t in made if "$" in t.get_text()]
    assert names and not any(t.get_parse_math() for t in names)


@pytest.mark.parametrize(
    "given",
    ["no chance or verdict", "chance, no verdict", "trade-off without setting", "no attribute"],
)
def test_partial_tables_render_what_they_hold(given):
    # repro2/report_partial_leakage.py: the leakage chart read 'chance' and 'verdict'
    # unconditionally (AttributeError, KeyError), the trade-off its 'lam' column
    rows = pd.DataFrame(
        {
            "representation": ["raw", "Blinder"],
            "attribute": ["smiling"] * 2,
            "attacker": ["LR"] * 2,
            "balanced_accuracy": [0.71, 0.52],
        }
    )
    tradeoff = pd.DataFrame({"method": ["a"], "leakage": [0.1], "utility": [0.9]})
    inputs = {
        "no chance or verdict": dict(leakage=rows),
        "chance, no verdict": dict(leakage=rows.assign(chance=0.5)),
        "trade-off without setting": dict(tradeoff=tradeoff),
        "no attribute": dict(leakage=rows.drop(columns="attribute")),
    }[given]
    document = build(**inputs)
    if given == "no attribute":
        assert "the leakage table given has no column &#x27;attribute&#x27;" in document
    elif "trade-off" in given:
        assert document.count("data:image/png;base64,") == 1
    else:
        assert "0.710" in document and document.count("data:image/png;base64,") == 1


# what the page's layout must satisfy, measured by the browser: nothing wider than the window;
# each table's verdict header within the part of the table on screen; each table's scroll
# width and each figure's natural size against its box (a figure shrunk below 60 % of its
# size has text too small to read)
_LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const wider = [...document.body.querySelectorAll('*')]
    .filter(e => !e.closest('div.scroll') && e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40));
  const tables = [...document.querySelectorAll('div.scroll')].map(d => {
    const head = [...d.querySelectorAll('th')].find(h => h.textContent === 'verdict');
    return {
      head: [...d.querySelectorAll('th')].map(h => h.textContent).join('|'),
      width: d.scrollWidth,
      scrolls: d.scrollWidth > d.clientWidth + 1,
      verdictHidden: head ? head.getBoundingClientRect().right >
        d.getBoundingClientRect().right + 1 : false,
    };
  });
  const scales = [...document.images].map(i => i.getBoundingClientRect().width / i.naturalWidth);
  return {
    overflow: document.documentElement.scrollWidth - width, wider, tables, scales,
    loaded: [...document.images].map(i => i.complete && i.naturalWidth > 0),
  };
}"""


@pytest.mark.parametrize("width", [1366, 800])  # a laptop; half a wide screen
def test_the_report_renders_in_headless_chromium(run, tmp_path, width):
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    build(path, **run)
    problems, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 768})
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(path.as_uri(), wait_until="load")
            layout = page.evaluate(_LAYOUT)
            shot = page.screenshot(path=tmp_path / "report.png", full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    assert len(layout["loaded"]) == 5 and all(layout["loaded"])
    assert layout["overflow"] <= 0 and layout["wider"] == []  # no sideways scrolling
    assert not any(t["verdictHidden"] for t in layout["tables"])  # the verdict on screen
    if width >= 1366:
        wide = [t for t in layout["tables"] if t["scrolls"]]
        assert wide == []  # every table fits the page
        assert min(layout["scales"]) >= 0.6, layout["scales"]  # figures' text readable
    image = Image.open(io.BytesIO(shot)).convert("L")
    assert image.size[1] > 2000  # the whole page, not the first screen
    pixels = np.asarray(image, dtype=float)
    assert pixels.std() > 20 and (pixels < 128).mean() > 0.01  # not blank


def test_text_cut_off_or_printed_over_is_named_before_saving(tmp_path):
    """Issue 27: clipped text and overprinted point labels warn, naming figure and texts."""
    import matplotlib.pyplot as plt

    from skblind.exceptions import FigureTextWarning
    from skblind.report._figure_text import figure_text_problems

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("sweep")
    ax.annotate("lam=1", (0.5, 0.5))
    ax.annotate("lam=2", (0.5, 0.5))  # the same point: printed over lam=1
    ax.annotate("lam=8", (0.5, 0.9), xytext=(0, -200), textcoords="offset points")
    ax.text(0.2, 0.2, "clipped note", clip_on=True)
    ax.set_xlim(0.3, 1)  # hides the clipped note's start; lam=8 drawn below the axes, unclipped
    ax.annotate("lam=50", (2.0, 0.5))  # a point past the limits: matplotlib draws no label
    assert figure_text_problems(fig) == [
        "axes 1 ('sweep'): 'clipped note' is cut off by the axes",
        "axes 1 ('sweep'): 'lam=50' is cut off by the axes",
        "axes 1 ('sweep'): 'lam=1' prints over 'lam=2'",
    ]
    with pytest.warns(FigureTextWarning, match=r"figure 'a sweep'.*'lam=1' prints over 'lam=2'"):
        build(tmp_path / "report.html", figures={"Sweep": (fig, "a sweep")})
    fine, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.annotate("lam=1", (0.2, 0.2))
    ax.annotate("lam=2", (0.8, 0.8))
    assert figure_text_problems(fine) == []
    plt.close("all")
