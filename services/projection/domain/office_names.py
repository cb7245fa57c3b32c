"""What the offices are called, as the directory service names them (its `OfficeChanged`).

The directory is the one author of an office's names; the projection keeps the latest of them in its
read side (`adapters/office_names.py`) and shows an office by its name in the reader's language on the
dashboard, the statistics and the reports. A language without a name of its own reads the office's
`name` (the directory's English one, as its contract says); an office the directory never named is
shown by its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OfficeName:
    office_id: str
    name: str
    names: Mapping[str, str] = field(default_factory=dict)  # language ('en', 'zh-Hant', 'zh-Hans') -> name

    def called(self, lang: str) -> str:
        """The office's name in `lang`, else its `name`."""
        return self.names.get(lang) or self.name


def name_of(names: Mapping[str, OfficeName], office_id: str, lang: str) -> str:
    """How a reader of `lang` is shown `office_id`: its name, or the id where the directory named none."""
    known = names.get(office_id)
    return known.called(lang) if known is not None else office_id
