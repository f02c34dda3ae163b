"""Legal grounds of the Law on state registration of rights to immovable property (No. 310-III):
art. 27 to suspend, art. 31 to refuse. Codes are stable machine identifiers; the texts are for
people, in kk/ru/en (art. 31 items follow the research notes and must be checked against the
current redaction before production)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_SUSPENSION_DAYS", "REFUSAL_GROUNDS", "SUSPENSION_GROUNDS", "Ground", "ground_for"]

# Items 3-5 of art. 27 suspend for up to a month.
DEFAULT_SUSPENSION_DAYS = 30


@dataclass(frozen=True, slots=True)
class Ground:
    code: str
    text: dict[str, str]  # language -> text


def _g(code: str, en: str, ru: str, kk: str) -> Ground:
    return Ground(code, {"en": en, "ru": ru, "kk": kk})


SUSPENSION_GROUNDS: dict[str, Ground] = {
    g.code: g
    for g in (
        _g(
            "Z070000310.art27.p1.sp1",
            "court ruling on a claim filed with a court",
            "определение суда по иску, поданному в суд",
            "сотқа берілген талап бойынша сот ұйғарымы",
        ),
        _g(
            "Z070000310.art27.p1.sp2",
            "act of prosecutorial supervision",
            "акт прокурорского надзора",
            "прокурорлық қадағалау актісі",
        ),
        _g(
            "Z070000310.art27.p1.sp2-1",
            "measures under the law on countering terrorism financing",
            "меры по закону о противодействии финансированию терроризма",
            "терроризмді қаржыландыруға қарсы іс-қимыл туралы заң бойынша шаралар",
        ),
        _g(
            "Z070000310.art27.p1.sp3",
            "the applicant must submit documents required by art. 21",
            "заявителю необходимо представить документы, требуемые статьёй 21",
            "өтініш беруші 21-бапта талап етілетін құжаттарды ұсынуы тиіс",
        ),
        _g(
            "Z070000310.art27.p1.sp4",
            "information must be requested from state bodies",
            "необходимо истребовать сведения у государственных органов",
            "мемлекеттік органдардан мәліметтер сұрату қажет",
        ),
        _g(
            "Z070000310.art27.p1.sp5",
            "the object does not match its identification documents or cadastre data",
            "объект не соответствует идентификационным документам или данным кадастра",
            "объект сәйкестендіру құжаттарына немесе кадастр деректеріне сәйкес келмейді",
        ),
    )
}

REFUSAL_GROUNDS: dict[str, Ground] = {
    g.code: g
    for g in (
        _g(
            "Z070000310.art31.p1.sp1",
            "the right or encumbrance is not subject to state registration",
            "право или обременение не подлежит государственной регистрации",
            "құқық немесе ауыртпалық мемлекеттік тіркеуге жатпайды",
        ),
        _g(
            "Z070000310.art31.p1.sp2",
            "the application was filed by an improper person",
            "заявление подано ненадлежащим лицом",
            "өтінішті тиісті емес тұлға берген",
        ),
        _g(
            "Z070000310.art31.p1.sp3",
            "the documents do not meet the requirements of the law",
            "документы не соответствуют требованиям законодательства",
            "құжаттар заңнама талаптарына сәйкес келмейді",
        ),
        _g(
            "Z070000310.art31.p1.sp4",
            "the right conflicts with a registered right, encumbrance or prohibition",
            "право противоречит зарегистрированному праву, обременению или запрету",
            "құқық тіркелген құқыққа, ауыртпалыққа немесе тыйымға қайшы келеді",
        ),
        _g(
            "Z070000310.art31.p1.sp5",
            "the causes of suspension were not removed within the term",
            "причины приостановления не устранены в срок",
            "тоқтата тұру себептері мерзімінде жойылмады",
        ),
        _g(
            "Z070000310.art31.p1.sp6",
            "a required consent of a third party or a state body is absent",
            "отсутствует необходимое согласие третьего лица или государственного органа",
            "үшінші тұлғаның немесе мемлекеттік органның қажетті келісімі жоқ",
        ),
        _g(
            "Z070000310.art31.p1.sp7",
            "the object does not exist or has ceased to exist",
            "объект не существует или прекратил существование",
            "объект жоқ немесе өмір сүруін тоқтатқан",
        ),
    )
}


def ground_for(action: str, code: str | None) -> Ground | None:
    """The ground an action may cite: art. 27 for a suspension, art. 31 for a refusal."""
    table = {"suspend": SUSPENSION_GROUNDS, "refuse": REFUSAL_GROUNDS}.get(action, {})
    return table.get(code or "")
