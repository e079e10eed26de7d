"""Forms: field-level validation and re-rendering with errors when JavaScript is off."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from board.models import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX, Role


class SignupForm(UserCreationForm):
    pass


class NameForm(forms.Form):
    name = forms.CharField(max_length=TITLE_MAX, strip=True)


class CardCreateForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, strip=True)


class CardForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, strip=True)
    description = forms.CharField(max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class MoveForm(forms.Form):
    pipeline = forms.IntegerField(min_value=1)
    position = forms.IntegerField(min_value=0, max_value=100_000)


class PositionForm(forms.Form):
    position = forms.IntegerField(min_value=0, max_value=100_000)


class MemberForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True)
    role = forms.ChoiceField(choices=[(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")])


class CommentForm(forms.Form):
    body = forms.CharField(max_length=COMMENT_MAX, strip=True, widget=forms.Textarea)


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)
    card = forms.IntegerField(min_value=1, required=False)
