"""Root URLs."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from board.logins import LoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("board.api.urls")),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("board.urls")),
]

# Our own error pages: they never read the request's body again (see board.views.errors).
handler400 = "board.views.errors.bad_request"
handler403 = "board.views.errors.permission_denied"
handler404 = "board.views.errors.page_not_found"
handler500 = "board.views.errors.server_error"
