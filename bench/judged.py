"""Write the judged query set (``bench/judged_queries.json``) for the evaluation corpus.

The evaluation corpus is the first ``EVAL_SIZE`` documents of ``bench.corpus.generate`` (seed
2025). A query names a regulation subject and who it affects, written the way people type:
particles, endings, spacing left out, compounds squashed, English and asking words mixed in.
Its relevant documents are those whose topic has that subject and that target — judged by the
generator's own record of what each text is about, so the judgement does not depend on any
analyzer. Run ``python -m bench.judged`` to regenerate (the file is committed).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

from webapp.demo.corpus import josa

from .corpus import generate

EVAL_SIZE = 3_000
PATH = Path(__file__).with_name("judged_queries.json")


def _first_word(text: str) -> str:
    return text.split()[0]


TEMPLATES = [
    ("particles", lambda s, t: f"{josa(t, '의/의')} {josa(s, '을/를')} 완화해 주세요"),
    ("no spaces", lambda s, t: (t + s).replace(" ", "")),
    ("endings", lambda s, t: f"{t} {josa(s, '이/가')} 너무 엄격합니다"),
    ("topic particle", lambda s, t: f"{josa(s, '은/는')} {t}에게 불편합니다"),
    ("english mixed", lambda s, t: f"{t} {s} regulation"),
    ("squashed subject", lambda s, t: f"{t}에 대한 {s.replace(' ', '')} 개선 요청"),
    ("short", lambda s, t: f"{t} {s}"),
    ("question", lambda s, t: f"{josa(t, '도/도')} {josa(s, '을/를')} 바꿀 수 있나요?"),
]


def build(count: int = 64, seed: int = 7) -> list[dict[str, object]]:
    by_topic: dict[tuple[str, str], list[int]] = defaultdict(list)
    for generated in generate(EVAL_SIZE):
        subject, target, _action = generated.topic
        by_topic[(subject, target)].append(generated.document.id)
    candidates = sorted(k for k, v in by_topic.items() if 2 <= len(v) <= 6)
    rng = random.Random(seed)
    chosen = rng.sample(candidates, count)
    queries = []
    for number, (subject, target) in enumerate(chosen):
        style, template = TEMPLATES[number % len(TEMPLATES)]
        queries.append(
            {
                "query": template(subject, target),
                "style": style,
                "subject": subject,
                "target": target,
                "relevant": sorted(by_topic[(subject, target)]),
            }
        )
    return queries


if __name__ == "__main__":
    data = {"eval_size": EVAL_SIZE, "seed": 2025, "queries": build()}
    PATH.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(data['queries'])} queries written to {PATH}")
