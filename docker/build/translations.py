"""Keep the translations the app's settings enable, drop the rest: run in the image build with
the app's virtualenv and DJANGO_SETTINGS_MODULE set.

  translations.py ROOT...   prune <locale dir>/<language>/LC_MESSAGES under each ROOT

With USE_I18N on, the languages kept are settings.LANGUAGES and LANGUAGE_CODE (Django fails at
start without a catalog for LANGUAGE_CODE); with it off, Django loads no catalog, so none stays.
"""

import os
import shutil
import sys
from pathlib import Path

import django
from django.conf import settings
from django.utils.translation import to_locale


def enabled_locales() -> set[str]:
    """Locale folder names the settings can ask for: ja, en_US and its fallback en."""
    if not settings.USE_I18N:
        return set()
    codes = {code for code, _ in settings.LANGUAGES} | {settings.LANGUAGE_CODE}
    locales = {to_locale(code) for code in codes}
    return locales | {locale.split("_")[0] for locale in locales}


def language_folders(roots: list[str]) -> list[Path]:
    """Every <language> folder that holds an LC_MESSAGES folder."""
    found = []
    for root in roots:
        for folder, subfolders, _ in os.walk(root):
            if "LC_MESSAGES" in subfolders:
                found.append(Path(folder))
    return found


def prune(roots: list[str]) -> None:
    keep = enabled_locales()
    folders = language_folders(roots)
    removed = [folder for folder in folders if folder.name not in keep]
    for folder in removed:
        shutil.rmtree(folder)
    kept = sorted({folder.name for folder in folders} - {folder.name for folder in removed})
    if not settings.USE_I18N:
        print(f"translations: USE_I18N is off, removed all {len(removed)} catalogs")
    else:
        print(
            f"translations: kept {' '.join(kept) or 'none'} for LANGUAGES and LANGUAGE_CODE; "
            f"removed {len(removed)} catalogs of other languages"
        )


if __name__ == "__main__":
    django.setup()
    prune(sys.argv[1:])
