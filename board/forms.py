"""Forms: field-level validation and re-rendering with errors when JavaScript is off."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from board.logins import PASSWORD_MAX
from board.models import (
    COMMENT_MAX,
    DESCRIPTION_MAX,
    LABEL_NAME_MAX,
    MAX_ID,
    TITLE_MAX,
    WIP_LIMIT_MAX,
    LabelColour,
    Role,
    Theme,
    TokenScope,
)


class IdField(forms.IntegerField):
    """An id posted by a page: a number no id can be is refused here, before any lookup."""

    default_error_messages = {"max_value": _("That is no id of anything on this board (no id is that large).")}

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class SignupForm(UserCreationForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("password1", "password2"):  # hashing is slow on purpose: no megabyte passwords
            self.fields[name].validators.append(MaxLengthValidator(PASSWORD_MAX))
            self.fields[name].widget.attrs["maxlength"] = PASSWORD_MAX


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=TITLE_MAX, strip=True)


class CardCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, strip=True)


class CardForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, strip=True)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea
    )
    version = forms.IntegerField(label=_("Version"), min_value=1, widget=forms.HiddenInput)


class PositionForm(forms.Form):
    """The plain form's move: a place counted from 1, as every control and announcement counts."""

    position = forms.IntegerField(label=_("Position"), min_value=1, max_value=100_000)


class LimitForm(forms.Form):
    """A pipeline's work-in-progress limit; empty clears it."""

    limit = forms.IntegerField(label=_("Limit"), min_value=1, max_value=WIP_LIMIT_MAX, required=False)


class LimitsForm(forms.Form):
    """The board's kind of limits: soft ones mark a pipeline over its limit, hard ones refuse cards."""

    limits = forms.ChoiceField(label=_("Limits"), choices=[("soft", _("Soft")), ("hard", _("Hard"))])


class NeighbourForm(forms.Form):
    """A drag's or keyboard's move: the new neighbours the page saw (no `after`: first)."""

    after = IdField(label=_("After"), required=False)
    before = IdField(label=_("Before"), required=False)


class TargetForm(forms.Form):
    pipeline = IdField(label=_("Pipeline"))


MEMBER_ROLES = [(Role.EDITOR, Role.EDITOR.label), (Role.VIEWER, Role.VIEWER.label)]


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150, strip=True)
    role = forms.ChoiceField(label=_("Role"), choices=MEMBER_ROLES)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MEMBER_ROLES)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=COMMENT_MAX, strip=True, widget=forms.Textarea)


class PageForm(forms.Form):
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=100_000, required=False)
    card = IdField(label=_("Card"), required=False)


class FilterForm(forms.Form):
    """The board's keyword filter (a NUL cannot be in any text: PostgreSQL refuses to compare with one)."""

    q = forms.CharField(label=_("Filter"), max_length=200, required=False, strip=True)


class VersionForm(forms.Form):
    """The board version a page shows, when it asks for what it missed since (?v=)."""

    v = forms.IntegerField(label=_("Version"), min_value=0, max_value=2**63 - 1)


THEME_CHOICES = [(Theme.LIGHT, _("Light")), (Theme.DARK, _("Dark")), (Theme.SYSTEM, _("As the system"))]


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(
        choices=THEME_CHOICES, error_messages={"invalid_choice": _("Choose a theme: light, dark or system.")}
    )
    next = forms.CharField(required=False, max_length=2000)


def language_choices() -> list[tuple[str, str]]:
    """The languages a person may choose; each named in itself, so anyone finds their own."""
    return [("", _("The browser's language")), *((code, name) for code, name in settings.LANGUAGES)]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a language: English, Japanese or the browser's.")},
    )
    next = forms.CharField(required=False, max_length=2000)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True, label=_("Name"))
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ, label=_("Scope"))
    expires_in = forms.TypedChoiceField(
        choices=[
            ("", _("Never")),
            ("7", _("In 7 days")),
            ("30", _("In 30 days")),
            ("90", _("In 90 days")),
            ("365", _("In a year")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Expires"),
    )


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https", label=_("URL"))
    events = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple, label=_("Events"))

    def __init__(self, *args, choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = choices


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Label name"), max_length=LABEL_NAME_MAX, strip=True)
    colour = forms.ChoiceField(label=_("Colour"), choices=LabelColour.choices)


def posted_ids(values: list[str]) -> list[int]:
    """Ids posted as a list (checkboxes): each must be an id (a 400 otherwise)."""
    field = IdField(label=_("Label"))
    return [field.clean(value) for value in values]
