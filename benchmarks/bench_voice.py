"""Voice render benchmark: full render of a ~60 s article vs. re-render after one paragraph changed;
then the same article fully in the doctor's recorded voice, mixed (every other paragraph recorded) and fully
synthesised, side by side, and the re-render after one recording is replaced.

Run: python benchmarks/bench_voice.py [--repeats 5]   (espeak-ng, offline)
Target: an incremental render (one paragraph, or one recording, changed) takes at most 20 % of a full render.
The article reads as 10 paragraphs, one of which changes; each repetition starts from a cold cache; the
ratio is of the median times, and each run's own ratio is printed too (the machine is shared, so single
runs scatter).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kepu.settings.test")

import django  # noqa: E402

django.setup()

from results import quick, record  # noqa: E402

from cms.core.documents import ArticleDocument, DocumentBlock  # noqa: E402
from media_pipeline.article_renders import speech_wording  # noqa: E402
from media_pipeline.recordings import clean_recording  # noqa: E402
from media_pipeline.render.voice import RecordedNarration, render_voice  # noqa: E402
from media_pipeline.speech import build_speech_script, default_glossary  # noqa: E402
from media_pipeline.tts import EngineChain  # noqa: E402

TARGET_RATIO = 0.20

ARTICLE = ArticleDocument(
    title="高血压的日常管理",
    language="zh-hans",
    blocks=(
        DocumentBlock("heading", text="什么是高血压", block_id="h1"),
        DocumentBlock(
            "paragraph", text="血压持续高于140/90 mmHg即为高血压。约50%的患者早期没有明显症状。", block_id="p1"
        ),
        DocumentBlock(
            "paragraph", text="长期高血压会损害心脏、大脑和肾脏。控制好血压可以明显降低中风风险。", block_id="p2"
        ),
        DocumentBlock(
            "paragraph", text="家里有血压计的话，每次测量前先安静坐五分钟，袖带和心脏保持同一高度。", block_id="p3"
        ),
        DocumentBlock("heading", text="日常怎么做", block_id="h2"),
        DocumentBlock(
            "list", items=("按时服药，不要自行停药", "每日食盐少于5 g", "每周运动3–5 次，每次30分钟"), block_id="l1"
        ),
        DocumentBlock("key_points", items=("早晚各测一次血压", "记录结果，复诊时带给医生"), block_id="k1"),
        DocumentBlock("warning", text="如果出现剧烈头痛、胸痛或说话不清，请立即拨打120。", block_id="w1"),
        DocumentBlock("qa", text="血压正常了可以停药吗？", answer="不可以。请在医生指导下调整用药。", block_id="q1"),
    ),
)
#: The narrator's fixed words (要点, 注意…) from the catalogue, as the render task passes them.
WORDING = speech_wording(ARTICLE.language)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main(repeats: int) -> None:
    chain = EngineChain.from_names(["espeak"])
    glossary = default_glossary()
    script = build_speech_script(ARTICLE, glossary=glossary, wording=WORDING)
    edited_block = replace(ARTICLE.blocks[1], text=ARTICLE.blocks[1].text + "需要定期测量。")
    changed = build_speech_script(
        replace(ARTICLE, blocks=(ARTICLE.blocks[0], edited_block, *ARTICLE.blocks[2:])),
        glossary=glossary,
        wording=WORDING,
    )
    cases = ("full render", "one paragraph changed", "nothing changed")
    timings: dict[str, list[float]] = {case: [] for case in cases}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        # Warm-up (first process starts, page cache) so the full render is not penalised by it.
        render_voice(
            build_speech_script(replace(ARTICLE, blocks=ARTICLE.blocks[:1]), wording=WORDING),
            chain,
            None,
            None,
            tmp_path / "warm",
            tmp_path / "warm-out",
        )
        for run in range(repeats):
            cache = tmp_path / f"cache-{run}"  # a cold cache per repetition
            for case, current in zip(cases, (script, changed, changed), strict=False):
                start = time.perf_counter()
                results[case] = render_voice(current, chain, None, None, cache, tmp_path / f"out-{run}-{case}")
                timings[case].append(time.perf_counter() - start)

    baseline = _median(timings["full render"])
    full = results["full render"]
    assert len(script.paragraphs) == 10, len(script.paragraphs)
    print(
        f"voice render, espeak-ng, {len(script.paragraphs)} paragraphs, {full.duration_s:.1f} s of audio, median of {repeats}"
    )
    print(f"{'case':<24}{'seconds':>9}{'ratio':>8}{'synth':>7}{'reused':>8}")
    for case in cases:
        seconds = _median(timings[case])
        print(
            f"{case:<24}{seconds:>9.3f}{seconds / baseline:>8.1%}{results[case].synthesized:>7}{results[case].reused:>8}"
        )
    ratios = [
        changed / whole
        for changed, whole in zip(timings["one paragraph changed"], timings["full render"], strict=False)
    ]
    ratio = _median(timings["one paragraph changed"]) / baseline
    verdict = "OK" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(
        f"incremental / full = {ratio:.1%} (medians of {repeats} runs; per run "
        f"{', '.join(f'{r:.1%}' for r in ratios)}; target <= {TARGET_RATIO:.0%}): {verdict}"
    )
    print(
        "comparable: the same article, engine and machine, cold cache each run; not comparable: the baseline is "
        "our own full render, not another tool (load from other sessions moves both)"
    )
    record(
        "voice",
        "re-render after one paragraph changed",
        _median(timings["one paragraph changed"]),
        unit="s",
        baseline=baseline,
        baseline_name="full render of the 10-paragraph article",
        target=TARGET_RATIO,
        better="lower",
        comparable="medians over the runs; same article, engine and cache state",
    )


def _doctor_recordings(script, folder: Path, *, pitch: int = 35) -> dict[str, RecordedNarration]:
    """Each paragraph read by a "doctor" (espeak-ng in another voice, with silence around it), cleaned as an upload is."""
    recordings = {}
    folder.mkdir(parents=True, exist_ok=True)
    for paragraph in script.paragraphs:
        raw = folder / f"{paragraph.id}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "cmn", "-s", "150", "-p", str(pitch), "-w", str(raw), paragraph.text_for_speech],
            check=True,
        )
        cleaned = clean_recording(raw, folder / f"{paragraph.id}.flac")
        recordings[paragraph.id] = RecordedNarration(cleaned.path, cleaned.sha256)
    return recordings


def recorded_main(repeats: int = 3) -> None:
    chain = EngineChain.from_names(["espeak"])
    script = build_speech_script(ARTICLE, glossary=default_glossary(), wording=WORDING)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        start = time.perf_counter()
        recorded = _doctor_recordings(script, tmp_path / "takes")
        cleaning = (time.perf_counter() - start) / len(recorded)
        retake_id = script.paragraphs[2].id
        retake = {
            **recorded,
            **_doctor_recordings(type(script)(script.language, (script.paragraphs[2],)), tmp_path / "retake", pitch=45),
        }
        mixed = {pid: take for index, (pid, take) in enumerate(recorded.items()) if index % 2}
        cases = {
            "fully recorded": recorded,
            "mixed": mixed,
            "fully synthesised": {},
        }
        timings: dict[str, list[float]] = {case: [] for case in (*cases, "one recording changed")}
        results = {}
        render_voice(script, chain, None, None, tmp_path / "warm", tmp_path / "warm-out", recordings=recorded)
        for run in range(repeats):
            for case, takes in cases.items():
                cache = tmp_path / f"cache-{run}-{case}"  # cold: every clip made in this render
                start = time.perf_counter()
                results[case] = render_voice(script, chain, None, None, cache, tmp_path / "out", recordings=takes)
                timings[case].append(time.perf_counter() - start)
            start = time.perf_counter()
            results["one recording changed"] = render_voice(
                script, chain, None, None, tmp_path / f"cache-{run}-fully recorded", tmp_path / "out", recordings=retake
            )
            timings["one recording changed"].append(time.perf_counter() - start)
    baseline = _median(timings["fully recorded"])
    print(
        f"voice render with the doctor's recordings, {len(script.paragraphs)} paragraphs, median of {repeats} "
        f"(cleaning an upload: {cleaning:.3f} s per paragraph, not counted)"
    )
    print(f"{'case':<24}{'seconds':>9}{'vs rec.':>9}{'made':>6}{'reused':>8}{'recorded':>10}{'audio s':>9}")
    for case in timings:
        seconds = _median(timings[case])
        result = results[case]
        print(
            f"{case:<24}{seconds:>9.3f}{seconds / baseline:>9.1%}{result.synthesized:>6}{result.reused:>8}"
            f"{result.recorded:>10}{result.duration_s:>9.1f}"
        )
    ratio = _median(timings["one recording changed"]) / baseline
    verdict = "OK" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(
        f"one recording changed / fully recorded = {ratio:.1%} (target <= {TARGET_RATIO:.0%}): {verdict}"
        f" [{retake_id} re-recorded]"
    )
    record(
        "voice",
        "re-render after one recording changed",
        _median(timings["one recording changed"]),
        unit="s",
        baseline=baseline,
        baseline_name="full render of the fully recorded article",
        target=TARGET_RATIO,
        better="lower",
        comparable="medians over the runs; same article and engine; the retake is cleaned beforehand",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2 if quick() else 5)
    repeats = parser.parse_args().repeats
    main(repeats)
    recorded_main(min(repeats, 3))
