"""README.txt of a court package: what it holds and how anyone can verify it, in English
and Arabic whatever the creator's interface language, since the reader of a package
may be a court or the other side."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search_api.packages.build import PackageInput

__all__ = ["readme"]

_ENGLISH = """\
COURT EXHIBIT PACKAGE
{synthetic_en}
Chronology: {title} ({id}, version {version})
Made {created} by {user} ({role}) on the archive "{instance}", with caesar-atlas-index {software}.
Exhibits: {kind_en}

WHAT IS HERE
  exhibits.docx, exhibits.pdf    the exhibit list: number, title, type, date, SHA-256,
                                 pages cited, and the facts citing each exhibit
  chronology.docx, chronology.pdf
                                 the chronology, citing its sources by exhibit number
  exhibits/                      one file per exhibit, named by its number and its own SHA-256
  custody/                       each exhibit's custody: ingest, OCR, reloads, changes of
                                 level, and every reveal, download and packaging of it
  manifest.json, manifest.csv    every file of the package with its SHA-256 and size
  manifest.sig                   an Ed25519 signature over manifest.json (base64)
  public-key.pem                 the public half of the key that signed it
  verify.py                      checks all of this

HOW TO VERIFY
  1. Get the archive's public keys from a source you trust, not from this package: the
     archive's address /api/keys (save it as keys.json), or the archive's staff. The key
     that signed this package has the fingerprint
     {fingerprint}
  2. Install Python 3 and the cryptography package: pip install cryptography
  3. Take verify.py out of the zip (unzip -p PACKAGE.zip verify.py > verify.py) and run
     python verify.py PACKAGE.zip --key keys.json
  It checks the signature, every file's SHA-256 and size, that no file is missing and none
  was added, and that each original's SHA-256 is the one its custody records. It prints
  one line per check, ends with VERIFIED or NOT VERIFIED, and exits 0 only when all pass.
  Without --key it checks against public-key.pem inside the package: that shows the
  package is whole, not who made it.
  The archive's own command does the same:
     python -m indexer verify-package PACKAGE.zip --key keys.json

EXHIBIT NUMBERS
  The chronology gives each cited record a number that stays once given. This package
  numbers the exhibits its creator may see, in that order.
"""

_ARABIC = """\
حزمة مستندات للمحكمة
{synthetic_ar}
التسلسل الزمني: {title} ({id}، النسخة {version})
أُعدّت في {created} بواسطة {user} ({role}) في الأرشيف "{instance}"،
ببرنامج caesar-atlas-index {software}.
المستندات: {kind_ar}

محتويات الحزمة
  exhibits.docx و exhibits.pdf    قائمة المستندات: الرقم والعنوان والنوع والتاريخ وبصمة SHA-256
                                  والصفحات المستشهد بها والوقائع التي تستشهد بكل مستند
  chronology.docx و chronology.pdf    التسلسل الزمني، ويستشهد بمصادره بأرقام المستندات
  exhibits/                       ملف لكل مستند، يُسمّى برقمه وببصمة SHA-256 الخاصة به
  custody/                        سجل حيازة كل مستند: الإدخال والتعرّف الضوئي وإعادة التحميل
                                  وتغيير مستوى السرية وكل كشف أو تنزيل أو تحزيم له
  manifest.json و manifest.csv    كل ملفات الحزمة مع بصمة SHA-256 والحجم
  manifest.sig                    توقيع Ed25519 على manifest.json (بترميز base64)
  public-key.pem                  المفتاح العام الذي وُقّعت به الحزمة
  verify.py                       برنامج يتحقق من كل ما سبق

طريقة التحقق
  1. احصل على المفاتيح العامة للأرشيف من مصدر تثق به، لا من هذه الحزمة: العنوان /api/keys
     في الأرشيف (احفظه باسم keys.json) أو العاملون في الأرشيف. بصمة المفتاح الذي وقّع الحزمة:
     {fingerprint}
  2. ثبّت Python 3 وحزمة cryptography:  pip install cryptography
  3. استخرج verify.py من الملف المضغوط (unzip -p PACKAGE.zip verify.py > verify.py) ثم شغّل:
     python verify.py PACKAGE.zip --key keys.json
  يتحقق البرنامج من التوقيع، ومن بصمة كل ملف وحجمه، ومن أنه لم يُحذف ملف ولم يُضف آخر، ومن أن
  بصمة كل أصل هي المسجلة في سجل حيازته. يطبع سطراً لكل فحص وينتهي بـ VERIFIED أو NOT VERIFIED،
  ولا يخرج بالرمز 0 إلا إذا نجحت كل الفحوص. من دون --key يتحقق بالمفتاح الموجود داخل الحزمة،
  وهذا يثبت أن الحزمة سليمة لا من أعدّها.

أرقام المستندات
  يعطي التسلسل الزمني كل سجل يستشهد به رقماً ثابتاً. وترقّم هذه الحزمة المستندات التي يحق
  لمُعدّها رؤيتها، بذلك الترتيب.
"""

_KIND = {
    True: (
        "the originals, byte for byte, each named by its SHA-256.",
        "الأصول كما هي بايتاً ببايت، وكلٌّ منها مسمّى ببصمة SHA-256 الخاصة به.",
    ),
    False: (
        "working copies, each marked WORKING COPY: images reduced, without camera data, "
        "graphic ones blurred; documents as their text. Originals go only to investigators "
        "and administrators; each original's SHA-256, where the creator may know it, is in "
        "the exhibit list and the manifest.",
        "نسخ عمل، كلٌّ منها موسوم WORKING COPY: صور مصغّرة بلا بيانات الكاميرا، والصور القاسية "
        "مموّهة، والوثائق بنصّها. الأصول للمحققين والمديرين فقط، وبصمة كل أصل، حيث يحق لمُعدّ "
        "الحزمة معرفتها، في قائمة المستندات وفي البيان.",
    ),
}
_SYNTHETIC = (
    "SYNTHETIC: these exhibits are fictional demo records, not evidence.\n",
    "بيانات اصطناعية: هذه المستندات سجلات تجريبية خيالية، وليست أدلة.\n",
)


def readme(content: PackageInput, synthetic: bool) -> str:
    chronology = content.chronology
    kind_en, kind_ar = _KIND[content.originals]
    values = {
        "title": chronology.title,
        "id": chronology.id,
        "version": chronology.version,
        "created": content.created.isoformat(timespec="seconds"),
        "user": content.creator.user or "-",
        "role": content.creator.role,
        "instance": content.instance,
        "software": content.software_version,
        "fingerprint": content.key.fingerprint,
        "kind_en": kind_en,
        "kind_ar": kind_ar,
        "synthetic_en": _SYNTHETIC[0] if synthetic else "",
        "synthetic_ar": _SYNTHETIC[1] if synthetic else "",
    }
    return _ENGLISH.format(**values) + "\n" + _ARABIC.format(**values)
