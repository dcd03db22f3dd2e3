"""The base of every form: WTForms' own messages ("Not a valid choice") in Chinese."""

from flask_wtf import FlaskForm


class Form(FlaskForm):
    class Meta:
        # Flask-WTF would ask Flask-Babel for the locale; with WTF_I18N_ENABLED off, WTForms
        # reads its bundled Chinese catalogue directly.
        locales = ("zh",)
