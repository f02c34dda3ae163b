"""The words of the appendix form in kk/ru/en: data categories, purposes and statuses.

Codes are stable (they travel in artefacts and use logs); labels are for people.
"""

from __future__ import annotations

__all__ = ["CATEGORY_LABELS", "LANGS", "PURPOSE_LABELS", "STATUS_LABELS", "label"]

LANGS = ("kk", "ru", "en")

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "full_name": {"kk": "Тегі, аты, әкесінің аты", "ru": "Фамилия, имя, отчество", "en": "Full name"},
    "address": {
        "kk": "Тұрғылықты және тіркелген мекенжайы, тіркелген күні",
        "ru": "Адрес места жительства и регистрации, дата регистрации",
        "en": "Address of residence and registration, and its date",
    },
    "phones": {"kk": "Телефон нөмірлері", "ru": "Номера телефонов", "en": "Phone numbers"},
    "iin": {"kk": "ЖСН", "ru": "ИИН", "en": "IIN"},
    "signature": {
        "kk": "Қолтаңба (қолмен қойылған және ЭЦҚ)",
        "ru": "Подпись (собственноручная и ЭЦП)",
        "en": "Signature (handwritten and EDS)",
    },
    "id_document": {
        "kk": "Жеке басын куәландыратын құжат (атауы, нөмірі, берілген күні, мерзімі, берген орган)",
        "ru": "Документ, удостоверяющий личность (вид, номер, дата выдачи, срок действия, кем выдан)",
        "en": "Identity document (type, number, issue date, expiry, issuer)",
    },
    "birth": {"kk": "Туған күні мен жері", "ru": "Дата и место рождения", "en": "Date and place of birth"},
    "sex": {"kk": "Жынысы", "ru": "Пол", "en": "Sex"},
    "marital_status": {
        "kk": "Отбасылық жағдайы (неке немесе ажырасу туралы куәлік, жұбайының аты-жөні мен құжаты)",
        "ru": "Семейное положение (свидетельство о браке или разводе, ФИО и документ супруга)",
        "en": "Marital status (marriage or divorce certificate, spouse's full name and ID document)",
    },
    "citizenship": {"kk": "Азаматтығы", "ru": "Гражданство", "en": "Citizenship"},
    "property": {
        "kk": "Жылжымайтын мүлік (тіркелген құқықтар, мекенжайы, кадастрлық нөмірі, алаңы, "
        "техникалық сипаттамалары)",
        "ru": "Недвижимость (зарегистрированные права, адрес, кадастровый номер, площадь, "
        "технические характеристики)",
        "en": "Property (registered rights, address, cadastral number, area, technical characteristics)",
    },
    "dispensary": {
        "kk": "Диспансерлік есепте тұруы",
        "ru": "Нахождение на диспансерном учёте",
        "en": "Registration at a dispensary",
    },
    "terrorism_list": {
        "kk": "Терроризмді және экстремизмді қаржыландыруға байланысты тұлғалар тізбесінде жоқтығы",
        "ru": "Отсутствие в перечне лиц, связанных с финансированием терроризма и экстремизма",
        "en": "Absence from the list of persons linked to financing terrorism and extremism",
    },
}

PURPOSE_LABELS: dict[str, dict[str, str]] = {
    "rent_to_own.application": {
        "kk": "Жалға алу-сатып алу қызметіне өтінім: қарау және төлем қабілеттілігін тексеру",
        "ru": "Заявка на аренду с выкупом: рассмотрение и проверка платёжеспособности",
        "en": "Rent-to-own application: review and solvency checks",
    },
    "registration.encumbrance": {
        "kk": "Жалдау түріндегі ауыртпалықты мемлекеттік тіркеу",
        "ru": "Государственная регистрация обременения в виде аренды",
        "en": "State registration of the lease encumbrance",
    },
    "registration.termination_ownership": {
        "kk": "Ауыртпалықтың тоқтатылуын және меншік құқығын мемлекеттік тіркеу",
        "ru": "Государственная регистрация прекращения обременения и права собственности",
        "en": "State registration of the end of the encumbrance and of ownership",
    },
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "PENDING": {"kk": "Күтуде", "ru": "Ожидает ответа", "en": "Awaiting your answer"},
    "ACTIVE": {"kk": "Күшінде", "ru": "Действует", "en": "In force"},
    "REJECTED": {"kk": "Бас тартылды", "ru": "Отклонено", "en": "Refused"},
    "EXPIRED": {"kk": "Мерзімі аяқталды", "ru": "Срок истёк", "en": "Expired"},
    "REVOCATION_REQUESTED": {
        "kk": "Кері қайтару сұралды",
        "ru": "Запрошен отзыв",
        "en": "Withdrawal requested",
    },
    "REVOKED": {"kk": "Кері қайтарылды", "ru": "Отозвано", "en": "Withdrawn"},
    "REVOCATION_DENIED": {
        "kk": "Кері қайтарудан бас тартылды",
        "ru": "В отзыве отказано",
        "en": "Withdrawal refused",
    },
}


def label(table: dict[str, dict[str, str]], code: str, lang: str) -> str:
    """The label in `lang`, falling back to Russian, then to the code itself."""
    labels = table.get(code, {})
    return labels.get(lang) or labels.get("ru") or code
