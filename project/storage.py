"""Static files as collectstatic writes them: hashed names, each with its gzip."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """collectstatic's copies: hashed names, each with its gzip, served cached for ever.

    The pages ask for the hashed names when debugging too, once collectstatic has written
    its manifest (`make run` runs it first); until then for the plain names, which
    whitenoise then serves from the finders.
    """

    def url(self, name, force=False):
        return super().url(name, force=force or bool(self.hashed_files))
