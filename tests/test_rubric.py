from __future__ import annotations

from pathlib import Path

import pytest

from transcript_judge.errors import RubricError
from transcript_judge.rubric import load_rubric


def test_default_rubric_has_exactly_the_ids() -> None:
    r = load_rubric()
    assert [c.id for c in r.red_flags] == [
        "demo_only_thinking",
        "model_obsession",
        "evaluation_avoidance",
        "framework_dependency",
        "prompt_tinkering",
        "technology_only_questions",
    ]
    assert [c.id for c in r.strengths] == [
        "systems_thinking",
        "failure_diagnosis",
        "evaluation_rigor",
        "grounded_tradeoffs",
        "probing_questions",
    ]
    assert all(c.does_not_count and c.cues for c in r.criteria)


HEAD = 'name = "x"\n[[criteria]]\n'
BODY = 'title = "t"\ndefinition = "long enough text"\ncounts = ["x"]\n'


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            HEAD + 'id = "a_b"\nkind = "weakness"\n' + BODY,
            "criteria[0] (id 'a_b').kind",
        ),
        (
            HEAD + 'id = "Bad Id"\nkind = "strength"\n' + BODY,
            "criteria[0] (id 'Bad Id').id",
        ),
        (
            'name = "x"\n[[criteria]]\nid = "a_b"\nkind = "strength"\ntitle = "t"\ncounts = ["x"]\n',
            "criteria[0] (id 'a_b').definition",
        ),
        ('name = "x"\ncriteria = []\n', "criteria"),
        ('name = "x"\n[[criteria]\n', "not valid TOML"),
    ],
)
def test_malformed_rubric_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    p = tmp_path / "r.toml"
    p.write_text(text)
    with pytest.raises(RubricError) as info:
        load_rubric(p)
    assert field in str(info.value)
