"""The base of every web form: WTForms' own messages translated through the web catalog.

WTForms ships no Indonesian catalog, so its built-in messages ("Not a valid integer value.")
would stay English on Indonesian pages; they are listed below so the web catalog carries them.
"""
from __future__ import annotations

from typing import Any

from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, ValidationError

from coordinator.domain.discretion import sensitive_words_in


class _CatalogTranslations:
    """The ``gettext``/``ngettext`` pair WTForms asks for, answered by Flask-Babel's catalogs.

    WTForms formats the values itself, so nothing is interpolated here.
    """

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


CATALOG_TRANSLATIONS = _CatalogTranslations()


class WebForm(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> _CatalogTranslations:
            return CATALOG_TRANSLATIONS

        def render_field(self, field: Any, render_kw: dict[str, Any]) -> Any:
            # A page may hold several forms (one per task): their CSRF inputs need no id,
            # and ids must be unique on a page.
            if field.type == "CSRFTokenField":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)  # type: ignore[misc]


class NoCaseWords:
    """A public title must carry no configured case word, however spelt (the domain checks it
    again; this says which words, next to the field)."""

    def __call__(self, form: Any, field: Field) -> None:
        found = sensitive_words_in(field.data or "")
        if found:
            raise ValidationError(_(
                "A public title is read on shared phones and in e-mail: remove %(words)s and use "
                "a neutral title, such as \"Kegiatan sosialisasi\".",
                words=", ".join(f"\u201c{w}\u201d" for w in found)))


class ButtonForm(WebForm):
    """A form that is only a button: it carries the CSRF token and nothing else."""


WTFORMS_MESSAGES = (
    _l("Not a valid integer value."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("This field is required."),
    _l("Invalid input."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be equal to %(other_name)s."),
    _l("The CSRF token is missing."),
)


def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:
    """Only marks a plural pair for the catalog (the extractor reads ``ngettext`` calls)."""
    return singular, plural


# WTForms asks for these through ngettext: the catalog needs them as plural entries.
WTFORMS_PLURAL_MESSAGES = (
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1),
)
