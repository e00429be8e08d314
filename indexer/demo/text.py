"""Phrase banks for testimony transcripts and event descriptions in ar, en, fr, de.

Transcripts are assembled from these so that every one mentions its facilities, persons
and events in the language of the testimony. The Arabic bank deliberately mixes
spellings (مشفى / مستشفى, alef with and without hamza, some tashkeel) and
`arabic_variant` adds more, because search normalisation is tested on exactly that.
"""

from __future__ import annotations

from random import Random

__all__ = ["ALSO", "CLOSING", "DESCRIPTIONS", "EVENT_KINDS", "INTRO", "PLACES", "TEMPLATES"]

EVENT_KINDS = ("arrest", "transfer", "interrogation", "cell", "death", "release", "recognition")

# Where arrests happened, per script.
PLACES = {
    "latin": ("Damascus", "Homs", "Daraya", "Douma", "Aleppo", "Hama", "Deraa", "Moadamiyeh"),
    "ar": ("دمشق", "حمص", "داريا", "دوما", "حلب", "حماة", "درعا", "المعضمية"),
}

# Slots: {when} date adverbial, {where} facility name, {who} a person, {officer}, {place}.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "arrest": (
            "I was arrested {when} at a checkpoint in {place}. The men who took me said "
            "they were from {where}.",
            "Security men came to our house in {place} at night, {when}, and took me "
            "away. Later I understood that I was held by {where}.",
        ),
        "transfer": (
            "They moved us blindfolded to {where} {when}. We were about thirty people in "
            "the back of one truck.",
            "After some weeks I was transferred to {where}. This was {when}.",
        ),
        "interrogation": (
            "At {where} I was interrogated many times. The interrogator, {officer}, beat "
            "me on the soles of my feet and hung me by my wrists. This was {when}.",
            "{officer} asked me about my brother and about the demonstrations. I was "
            "interrogated at {where} {when}.",
        ),
        "cell": (
            "In the cell at {where} there were more than eighty of us. I saw {who} there "
            "{when}; he was very thin and could no longer stand.",
            "{who} was in the same cell as me at {where} {when}. We had almost no food "
            "and many people were sick.",
        ),
        "death": (
            "{who} died in the cell {when}. The guards took the body away and wrote a "
            "number on his forehead. They said he would be taken to {where}.",
            "I saw the guards carry out {who} {when}. Someone said the bodies went to {where}.",
        ),
        "release": (
            "I was released {when} without any trial. Nobody told me why I had been held "
            "at {where}.",
        ),
        "recognition": (
            "When the Caesar photographs were published our family searched them for "
            "months. My mother recognised {who} {when}; the photograph was taken at {where}.",
            "{when}, we recognised {who} in one of the photographs. His number was written "
            "on a card next to him, with the number of {where}.",
        ),
    },
    "fr": {
        "arrest": (
            "J'ai été arrêté {when} à un barrage à {place}. Les hommes disaient qu'ils "
            "venaient de {where}.",
            "Des agents sont venus chez nous à {place}, la nuit, {when}. J'ai compris plus "
            "tard que j'étais détenu par {where}.",
        ),
        "transfer": (
            "On nous a transférés les yeux bandés vers {where} {when}. Nous étions une "
            "trentaine dans le camion.",
        ),
        "interrogation": (
            "À {where}, j'ai été interrogé de nombreuses fois. L'interrogateur, {officer}, "
            "me frappait sur la plante des pieds. C'était {when}.",
            "{officer} m'a interrogé sur mon frère et sur les manifestations, à {where}, {when}.",
        ),
        "cell": (
            "Dans la cellule de {where}, nous étions plus de quatre-vingts. J'ai vu {who} "
            "{when}; il était très maigre et ne tenait plus debout.",
        ),
        "death": (
            "{who} est mort dans la cellule {when}. Les gardiens ont emporté le corps et "
            "ont écrit un numéro sur son front. Ils ont dit qu'il irait à {where}.",
        ),
        "release": ("J'ai été libéré {when}, sans procès. Personne ne m'a dit pourquoi.",),
        "recognition": (
            "Quand les photos de César ont été publiées, ma famille les a regardées "
            "pendant des mois. Ma mère a reconnu {who} {when}; la photo a été prise à "
            "{where}.",
        ),
    },
    "de": {
        "arrest": (
            "Ich wurde {when} an einem Kontrollpunkt in {place} festgenommen. Die Männer "
            "sagten, sie seien von {where}.",
            "Sicherheitsleute kamen nachts in unser Haus in {place}, {when}. Später "
            "verstand ich, dass mich {where} festhielt.",
        ),
        "transfer": (
            "Man brachte uns mit verbundenen Augen nach {where}, {when}. Wir waren etwa "
            "dreißig Menschen auf einem Lastwagen.",
        ),
        "interrogation": (
            "In {where} wurde ich viele Male verhört. Der Vernehmer, {officer}, schlug "
            "mich auf die Fußsohlen. Das war {when}.",
        ),
        "cell": (
            "In der Zelle in {where} waren wir mehr als achtzig. Ich sah {who} dort {when}; "
            "er war sehr abgemagert und konnte nicht mehr stehen.",
        ),
        "death": (
            "{who} starb {when} in der Zelle. Die Wärter trugen den Körper hinaus und "
            "schrieben eine Nummer auf seine Stirn. Sie sagten, er komme nach {where}.",
        ),
        "release": ("Ich wurde {when} ohne Prozess freigelassen. Niemand sagte mir, warum.",),
        "recognition": (
            "Als die Caesar-Fotos veröffentlicht wurden, suchte unsere Familie monatelang "
            "darin. Meine Mutter erkannte {who} {when}; das Foto entstand in {where}.",
        ),
    },
    "ar": {
        "arrest": (
            "اعتُقِلتُ {when} على حاجز في {place}. قال الرجال الذين أخذوني إنهم من {where}.",
            "جاء عناصر الأمن إلى بيتنا في {place} ليلاً {when} واقتادوني، وعرفت لاحقاً أنني "
            "كنت محتجزاً لدى {where}.",
        ),
        "transfer": (
            "نقلونا معصوبي الأعين الى {where} {when}، وكنا نحو ثلاثين شخصاً في شاحنة واحدة.",
            "بعد أسابيع نُقِلتُ إلى {where} {when}.",
        ),
        "interrogation": (
            "في {where} حقّق معي {officer} مرات كثيرة، وضربني على باطن القدمين وعلّقني من "
            "معصميّ. كان ذلك {when}.",
            "سألني المحقق {officer} عن أخي وعن المظاهرات في {where} {when}.",
        ),
        "cell": (
            "كنا أكثر من ثمانين شخصاً في الزنزانة في {where}. رأيت {who} هناك {when}، وكان "
            "نحيلاً جداً لا يستطيع الوقوف.",
            "كان {who} معي في نفس الزنزانة في {where} {when}. لم يكن هناك طعام تقريباً "
            "وكان كثيرون مرضى.",
        ),
        "death": (
            "توفي {who} في الزنزانة {when}. أخذ السجانون الجثة وكتبوا رقماً على جبينه، "
            "وقالوا إنها ستُنقل إلى {where}.",
            "رأيت السجانين يحملون {who} الى الخارج {when}. قيل إن الجثث تذهب الى مستشفى "
            "عسكري، الى {where}.",
        ),
        "release": ("أُفرِج عني {when} دون محاكمة، ولم يقل لي أحد لماذا احتُجزت في {where}.",),
        "recognition": (
            "عندما نُشرت صور قيصر بحثت عائلتي فيها لأشهر، وتعرّفت أمي على {who} {when}. "
            "التُقطت الصورة في {where}.",
            "تعرفنا على {who} {when} في إحدى الصور، وكان رقمه مكتوباً على ورقة بجانبه مع "
            "رقم {where}. امي لم تصدق حتى رأت صورته في المشفى.",
        ),
    },
}

INTRO = {
    "en": "I give this statement to {org} in {city}. I agree that it is used as set "
    "out in my consent form.",
    "fr": "Je fais cette déclaration auprès de {org} à {city}. J'accepte qu'elle soit "
    "utilisée selon mon formulaire de consentement.",
    "de": "Ich gebe diese Aussage gegenüber {org} in {city} ab. Ich bin mit der Nutzung "
    "gemäß meiner Einwilligung einverstanden.",
    "ar": "أُدلي بهذه الشهادة أمام {org} في {city}، وأوافق على استخدامها وفق استمارة الموافقة.",
}

CLOSING = {
    "en": "This is what I remember. I want the families to know what happened to them.",
    "fr": "C'est ce dont je me souviens. Je veux que les familles sachent ce qui leur est arrivé.",
    "de": "Das ist, woran ich mich erinnere. Die Familien sollen wissen, was geschehen ist.",
    "ar": "هذا ما أتذكره. أريد أن تعرف العائلات ما حدث لأبنائها في السجون والمستشفيات.",
}

# A further person the witness names: role -> sentence per language.
ALSO = {
    "witness": {
        "en": "{name} was detained with me and can confirm what I have said.",
        "fr": "{name} était détenu avec moi et peut confirmer ce que j'ai dit.",
        "de": "{name} war mit mir in Haft und kann bestätigen, was ich gesagt habe.",
        "ar": "كان {name} معتقلاً معي ويستطيع أن يؤكد ما قلته.",
    },
    "other": {
        "en": "Our neighbour {name} saw them take me away.",
        "fr": "Notre voisin {name} les a vus m'emmener.",
        "de": "Unser Nachbar {name} sah, wie sie mich mitnahmen.",
        "ar": "رآهم جارنا {name} وهم يأخذونني.",
    },
}

# Short event descriptions for the structured `events` field.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "arrest": "arrest at a checkpoint",
        "transfer": "transfer between facilities",
        "interrogation": "interrogation under torture",
        "cell": "seen in a collective cell",
        "death": "death in custody",
        "release": "release without trial",
        "recognition": "family recognised the victim in the Caesar photographs",
    },
    "fr": {
        "arrest": "arrestation à un barrage",
        "transfer": "transfert entre lieux de détention",
        "interrogation": "interrogatoire sous la torture",
        "cell": "vu dans une cellule collective",
        "death": "mort en détention",
        "release": "libération sans procès",
        "recognition": "la famille a reconnu la victime sur les photos de César",
    },
    "de": {
        "arrest": "Festnahme an einem Kontrollpunkt",
        "transfer": "Verlegung zwischen Haftorten",
        "interrogation": "Verhör unter Folter",
        "cell": "in einer Sammelzelle gesehen",
        "death": "Tod in Haft",
        "release": "Freilassung ohne Prozess",
        "recognition": "Familie erkannte das Opfer auf den Caesar-Fotos",
    },
    "ar": {
        "arrest": "اعتقال على حاجز",
        "transfer": "نقل بين مراكز الاحتجاز",
        "interrogation": "تحقيق تحت التعذيب",
        "cell": "شوهد في زنزانة جماعية",
        "death": "وفاة تحت التعذيب في الاحتجاز",
        "release": "إفراج دون محاكمة",
        "recognition": "تعرّفت العائلة على الضحية في صور قيصر",
    },
}

# Alef with hamza above / below / madda, all written as bare alef.
_HAMZA = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627"})
_TASHKEEL = "\u064e\u064f\u0650\u0651"


def arabic_variant(text: str, rng: Random) -> str:
    """Spell Arabic text the way real transcripts vary: hamza dropped, ى/ي, مشفى/مستشفى."""
    if rng.random() < 0.3:
        text = text.translate(_HAMZA)
    if rng.random() < 0.3:
        text = (
            text.replace("مستشفى", "مشفى") if rng.random() < 0.5 else text.replace("مشفى", "مستشفى")
        )
    if rng.random() < 0.15:
        text = text.replace("ى ", "ي ")
    if rng.random() < 0.2:
        text = "".join(ch for ch in text if ch not in _TASHKEEL)
    return text
