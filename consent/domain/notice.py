"""The notice shown to the subject before consenting (the appendix form's text), in kk/ru/en.

The text is versioned: a change of wording is a new version, and each artefact records the
version and the SHA-256 of the exact text in every language, so it can be shown later what
the subject was told (ISO/IEC 29184 "ongoing reference", GDPR art. 7(1)). The text names the
parties but not the subject, so one digest identifies one version for everybody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["NOTICE_VERSION", "Parties", "Party", "notice_digests", "notice_text"]

NOTICE_VERSION = "2025.1"

_TEMPLATES = {
    "kk": (
        "Мен заңмен қорғалатын құпияны құрайтын мәліметтерді пайдалануға, дербес деректерімді "
        "жинауға, өңдеуге және оларды жалға алу-сатып алу қызметін көрсету үшін {controller} "
        "(БСН {controller_bin}) беруге келісім беремін. Келісім қызмет көрсету кезеңі ішінде жарамды. "
        "Маған хабарланды: тіркеуге өтінішті дайындау және {recipient} (БСН {recipient_bin}) кадастрына "
        "жіберу үшін {operator} (БСН {operator_bin}) платформасы пайдаланылады; деректерім шекарадан тыс "
        "берілмейді; деректерім жалпыға қолжетімді көздерде жарияланбайды. Жиналатын деректер төменде "
        "көрсетілген."
    ),
    "ru": (
        "Я даю согласие на использование сведений, составляющих охраняемую законом тайну, "
        "на сбор и обработку моих персональных данных и их передачу {controller} (БИН {controller_bin}) "
        "для оказания услуги аренды с выкупом. Согласие действует в течение срока оказания услуги. "
        "Я уведомлён(а): для подготовки и направления заявления на регистрацию в кадастр {recipient} "
        "(БИН {recipient_bin}) используется платформа {operator} (БИН {operator_bin}); трансграничная "
        "передача моих данных не осуществляется; мои данные не публикуются в общедоступных источниках. "
        "Перечень собираемых данных приведён ниже."
    ),
    "en": (
        "I consent to the use of information that is a secret protected by law, and to the "
        "collection and processing of my personal data and their transfer to {controller} "
        "(BIN {controller_bin}) for the rent-to-own service. This consent is valid for the period of the "
        "service. I have been told that the platform of {operator} (BIN {operator_bin}) is used to prepare "
        "the registration application and send it to the cadastre of {recipient} (BIN {recipient_bin}); "
        "that my data are not transferred across borders; and that my data are not published in public "
        "sources. The data collected are listed below."
    ),
}


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    bin: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "bin": self.bin}


@dataclass(frozen=True, slots=True)
class Parties:
    """Controller (the housing company), platform operator and recipient (the State Corporation)."""

    controller: Party
    operator: Party
    recipient: Party


def notice_text(lang: str, parties: Parties) -> str:
    return _TEMPLATES[lang].format(
        controller=parties.controller.name,
        controller_bin=parties.controller.bin,
        operator=parties.operator.name,
        operator_bin=parties.operator.bin,
        recipient=parties.recipient.name,
        recipient_bin=parties.recipient.bin,
    )


def notice_digests(parties: Parties) -> dict[str, str]:
    """SHA-256 (hex) of the UTF-8 notice text in each language, as the subject was shown it."""
    return {lang: hashlib.sha256(notice_text(lang, parties).encode()).hexdigest() for lang in _TEMPLATES}
