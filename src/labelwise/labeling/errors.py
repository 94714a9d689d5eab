"""The two ways the labeling core says no.

Both derive from ValueError so a caller that only knows "bad input" can catch them generically, while the
attributes let an API answer with a precise location (line and attribute, or region index and field).
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A labeling config that cannot be used; points at the line, tag and attribute at fault."""

    def __init__(
        self,
        message: str,
        *,
        tag: str | None = None,
        attribute: str | None = None,
        line: int | None = None,
        name: str | None = None,
    ) -> None:
        self.message = message
        self.tag = tag
        self.attribute = attribute
        self.line = line
        self.name = name
        super().__init__(self._render())

    def _render(self) -> str:
        parts: list[str] = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.tag is not None:
            parts.append(f'<{self.tag} name="{self.name}">' if self.name else f"<{self.tag}>")
        if self.attribute is not None:
            parts.append(f"attribute {self.attribute}")
        parts.append(self.message)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self._render()


class InvalidResult(ValueError):
    """One region of an annotation or prediction result that does not fit the project's schema."""

    def __init__(self, index: int, field: str, message: str, *, region_id: str | None = None) -> None:
        self.index = index
        self.field = field
        self.message = message
        self.region_id = region_id
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"result[{self.index}]" if self.index >= 0 else "result"
        if self.region_id is not None:
            where += f" (id {self.region_id!r})"
        return f"{where}: {self.field}: {self.message}"

    def __str__(self) -> str:
        return self._render()
