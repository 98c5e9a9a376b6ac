"""The answer's fields, validated with pydantic for the API and the survey form alike.

They are parsed with `api.bodies.parse`; the class variables give the citizen-facing words for the
survey's own fields.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hotline.followup.service import COMMENT_MAX


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AnswerIn(_Body):
    field_names: ClassVar[dict[str, str]] = {"resolved": "是否解决", "satisfaction": "满意程度", "comment": "意见建议"}
    field_messages: ClassVar[dict[str, dict[str, str]]] = {
        "resolved": {"missing": "请选择问题是否已解决", "bool_type": "应为 true（已解决）或 false（未解决）"},
        "satisfaction": {
            "missing": "请选择对办理结果是否满意",
            "literal_error": "应为 satisfied（满意）、basic（基本满意）或 unsatisfied（不满意）",
        },
        "comment": {"string_too_long": f"不能超过 {COMMENT_MAX} 个字"},
    }

    resolved: StrictBool
    satisfaction: Literal["satisfied", "basic", "unsatisfied"]
    comment: Annotated[str | None, Field(max_length=COMMENT_MAX)] = None


class CallIn(_Body):
    field_names: ClassVar[dict[str, str]] = {"note": "备注"}

    note: Annotated[str | None, Field(max_length=2000)] = None
