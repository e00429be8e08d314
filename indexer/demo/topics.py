"""Topics a witness speaks about, one paragraph each, in ar, en, fr and de.

Each topic is one sentence per language saying the same thing in different words, so a
question asked in one language has true answers written in the others: the judged
cross-lingual set (`tests/relevance/topics.yaml`) is scored against `topics_of`,
the generator's own record of which testimony carries which topic's paragraph. The
themes are those a lawyer asks about: methods of torture, conditions of detention,
transfers, death certificates, forced disappearance and medical neglect.
"""

from __future__ import annotations

from random import Random

__all__ = ["TOPICS", "TOPICS_PER_TESTIMONY", "topics_of"]

TOPICS_PER_TESTIMONY = 2

TOPICS: dict[str, dict[str, str]] = {
    # Methods of torture
    "electric-shock": {
        "en": "They gave me electric shocks on my body while I was tied to a chair.",
        "fr": "Ils m'ont infligé des décharges électriques pendant que j'étais attaché à "
        "une chaise.",
        "de": "Sie haben mir Elektroschocks verpasst, während ich an einen Stuhl gefesselt war.",
        "ar": "صعقوني بالكهرباء وأنا مربوط على كرسي.",
    },
    "tyre": {
        "en": "They forced me into a car tyre and beat me while I could not move.",
        "fr": "Ils m'ont forcé à entrer dans un pneu et m'ont frappé sans que je puisse bouger.",
        "de": "Sie zwängten mich in einen Autoreifen und schlugen mich, während ich mich nicht "
        "bewegen konnte.",
        "ar": "أدخلوني في دولاب سيارة وضربوني وأنا لا أستطيع الحركة.",
    },
    "german-chair": {
        "en": "They bent my back over a metal chair until I thought my spine would break.",
        "fr": "Ils ont plié mon dos sur une chaise en métal jusqu'à ce que je croie que ma "
        "colonne allait se briser.",
        "de": "Sie bogen meinen Rücken über einen Metallstuhl, bis ich dachte, meine "
        "Wirbelsäule bricht.",
        "ar": "ثنوا ظهري على كرسي معدني حتى ظننت أن عمودي الفقري سينكسر.",
    },
    "cigarette-burns": {
        "en": "The guard burned my arms with his cigarettes.",
        "fr": "Le gardien m'a brûlé les bras avec ses cigarettes.",
        "de": "Der Wärter verbrannte meine Arme mit seinen Zigaretten.",
        "ar": "أطفأ السجان سجائره على ذراعيّ.",
    },
    "cable-whipping": {
        "en": "They whipped me with a thick electric cable until my back was bleeding.",
        "fr": "Ils m'ont fouetté avec un gros câble électrique jusqu'à ce que mon dos saigne.",
        "de": "Sie peitschten mich mit einem dicken Stromkabel aus, bis mein Rücken blutete.",
        "ar": "جلدوني بكبل كهربائي غليظ حتى نزف ظهري.",
    },
    "sleep-deprivation": {
        "en": "For days they did not let me sleep; a guard woke me whenever I closed my eyes.",
        "fr": "Pendant des jours, ils ne m'ont pas laissé dormir ; un gardien me réveillait "
        "dès que je fermais les yeux.",
        "de": "Tagelang ließen sie mich nicht schlafen; ein Wärter weckte mich, sobald ich "
        "die Augen schloss.",
        "ar": "لأيام لم يتركوني أنام، وكان السجان يوقظني كلما أغمضت عينيّ.",
    },
    "mock-execution": {
        "en": "One night they put a gun to my head and pretended they would shoot me.",
        "fr": "Une nuit, ils m'ont mis un pistolet sur la tempe et ont fait semblant de tirer.",
        "de": "Eines Nachts hielten sie mir eine Pistole an den Kopf und taten so, als "
        "würden sie schießen.",
        "ar": "في إحدى الليالي وضعوا مسدساً على رأسي وتظاهروا بأنهم سيطلقون النار.",
    },
    "sexual-violence": {
        "en": "Guards stripped us naked and threatened us with rape.",
        "fr": "Les gardiens nous ont déshabillés et nous ont menacés de viol.",
        "de": "Die Wärter zogen uns nackt aus und drohten uns mit Vergewaltigung.",
        "ar": "جرّدنا السجانون من ملابسنا وهددونا بالاغتصاب.",
    },
    "fingernails": {
        "en": "They pulled out two of my fingernails with pliers.",
        "fr": "Ils m'ont arraché deux ongles avec une pince.",
        "de": "Sie rissen mir mit einer Zange zwei Fingernägel aus.",
        "ar": "اقتلعوا اثنين من أظافري بالكماشة.",
    },
    "cold-water": {
        "en": "They poured cold water over us and left us outside in the winter night.",
        "fr": "Ils nous ont arrosés d'eau froide et laissés dehors pendant la nuit d'hiver.",
        "de": "Sie übergossen uns mit kaltem Wasser und ließen uns in der Winternacht draußen.",
        "ar": "سكبوا علينا الماء البارد وتركونا في الخارج في ليلة شتاء.",
    },
    "forced-confession": {
        "en": "They made me put my fingerprint on papers I was not allowed to read.",
        "fr": "Ils m'ont obligé à apposer mon empreinte sur des papiers que je n'avais pas "
        "le droit de lire.",
        "de": "Sie zwangen mich, Papiere mit meinem Fingerabdruck zu unterschreiben, die "
        "ich nicht lesen durfte.",
        "ar": "أجبروني على البصم على أوراق لم يسمحوا لي بقراءتها.",
    },
    "family-threats": {
        "en": "The interrogator said they would bring my sister and hurt her if I did not talk.",
        "fr": "L'interrogateur a dit qu'ils amèneraient ma sœur et lui feraient du mal si "
        "je ne parlais pas.",
        "de": "Der Vernehmer sagte, sie würden meine Schwester holen und ihr wehtun, wenn "
        "ich nicht rede.",
        "ar": "قال المحقق إنهم سيحضرون أختي ويؤذونها إن لم أتكلم.",
    },
    # Conditions of detention
    "toilet": {
        "en": "We were allowed to the toilet only once a day, for a few seconds.",
        "fr": "On ne nous laissait aller aux toilettes qu'une fois par jour, quelques secondes.",
        "de": "Wir durften nur einmal am Tag für ein paar Sekunden auf die Toilette.",
        "ar": "كانوا يسمحون لنا بدخول المرحاض مرة واحدة في اليوم ولثوانٍ قليلة.",
    },
    "underground": {
        "en": "The cell was underground and we never saw daylight.",
        "fr": "La cellule était sous terre et nous ne voyions jamais la lumière du jour.",
        "de": "Die Zelle lag unter der Erde, und wir sahen nie Tageslicht.",
        "ar": "كانت الزنزانة تحت الأرض ولم نر ضوء النهار أبداً.",
    },
    "lice": {
        "en": "Everyone had lice and scabies, and our skin was covered in sores.",
        "fr": "Tout le monde avait des poux et la gale, et notre peau était couverte de plaies.",
        "de": "Alle hatten Läuse und Krätze, und unsere Haut war voller Wunden.",
        "ar": "كان الجميع مصاباً بالقمل والجرب، وامتلأت جلودنا بالقروح.",
    },
    "thirst": {
        "en": "They gave us one bottle of water for the whole cell each day.",
        "fr": "On nous donnait une seule bouteille d'eau par jour pour toute la cellule.",
        "de": "Für die ganze Zelle gab es jeden Tag nur eine Flasche Wasser.",
        "ar": "كانوا يعطوننا قارورة ماء واحدة للزنزانة كلها كل يوم.",
    },
    "solitary": {
        "en": "I spent four months alone in a solitary cell smaller than a grave.",
        "fr": "J'ai passé quatre mois seul dans une cellule d'isolement plus petite qu'une tombe.",
        "de": "Ich verbrachte vier Monate allein in einer Einzelzelle, kleiner als ein Grab.",
        "ar": "قضيت أربعة أشهر وحدي في زنزانة منفردة أصغر من قبر.",
    },
    "sleeping-in-turns": {
        "en": "There was no room to lie down, so we slept in turns, standing.",
        "fr": "Il n'y avait pas de place pour s'allonger, alors nous dormions à tour de "
        "rôle, debout.",
        "de": "Es gab keinen Platz zum Liegen, also schliefen wir abwechselnd im Stehen.",
        "ar": "لم يكن هناك مكان للاستلقاء، فكنا ننام بالتناوب ونحن واقفون.",
    },
    "rotten-food": {
        "en": "The food was rotten potatoes and a little bread thrown on the floor.",
        "fr": "La nourriture, c'étaient des pommes de terre pourries et un peu de pain "
        "jetés par terre.",
        "de": "Das Essen waren verfaulte Kartoffeln und etwas Brot, auf den Boden geworfen.",
        "ar": "كان الطعام بطاطا فاسدة وقليلاً من الخبز يرمونه على الأرض.",
    },
    "no-lawyer": {
        "en": "In three years I never saw a lawyer and my family was never allowed to visit.",
        "fr": "En trois ans, je n'ai jamais vu d'avocat et ma famille n'a jamais pu me "
        "rendre visite.",
        "de": "In drei Jahren habe ich nie einen Anwalt gesehen, und meine Familie durfte "
        "mich nie besuchen.",
        "ar": "خلال ثلاث سنوات لم أر محامياً ولم يُسمح لعائلتي بزيارتي قط.",
    },
    # Transfers
    "welcome-beating": {
        "en": "When we arrived at the new prison the guards made us run between two rows "
        "and beat us.",
        "fr": "À notre arrivée dans la nouvelle prison, les gardiens nous ont fait courir "
        "entre deux rangées en nous frappant.",
        "de": "Bei der Ankunft im neuen Gefängnis ließen uns die Wärter zwischen zwei "
        "Reihen hindurchlaufen und schlugen uns.",
        "ar": "عند وصولنا إلى السجن الجديد أجبرنا السجانون على الركض بين صفين وهم يضربوننا.",
    },
    "airplane": {
        "en": "They flew us in a military plane with our hands tied behind our backs.",
        "fr": "Ils nous ont transportés dans un avion militaire, les mains attachées dans le dos.",
        "de": "Sie flogen uns in einem Militärflugzeug aus, die Hände auf dem Rücken gefesselt.",
        "ar": "نقلونا في طائرة عسكرية وأيدينا مقيدة خلف ظهورنا.",
    },
    "hospital-and-back": {
        "en": "From the branch I was sent to the military hospital, then back again to the cells.",
        "fr": "De la section, on m'a envoyé à l'hôpital militaire, puis de nouveau dans "
        "les cellules.",
        "de": "Von der Abteilung wurde ich ins Militärkrankenhaus gebracht und dann "
        "zurück in die Zellen.",
        "ar": "أُرسلت من الفرع إلى المشفى العسكري ثم أعادوني إلى الزنازين.",
    },
    "moved-at-night": {
        "en": "Nobody told us where we were going; every move came without warning in "
        "the middle of the night.",
        "fr": "Personne ne nous disait où nous allions ; chaque transfert arrivait sans "
        "prévenir au milieu de la nuit.",
        "de": "Niemand sagte uns, wohin es ging; jede Verlegung kam ohne Vorwarnung "
        "mitten in der Nacht.",
        "ar": "لم يخبرنا أحد إلى أين نذهب، وكان كل نقل يأتي فجأة في منتصف الليل.",
    },
    "civil-prison": {
        "en": "After the court I was moved to the central civil prison, where conditions "
        "were better.",
        "fr": "Après le tribunal, j'ai été transféré à la prison centrale civile, où les "
        "conditions étaient meilleures.",
        "de": "Nach dem Gericht kam ich in das zivile Zentralgefängnis, wo die "
        "Bedingungen besser waren.",
        "ar": "بعد المحكمة نُقلت إلى السجن المركزي المدني، وكانت الظروف فيه أفضل.",
    },
    # Death certificates
    "heart-attack": {
        "en": "The death certificate said he died of a heart attack, but he was "
        "twenty-five and healthy.",
        "fr": "Le certificat de décès indiquait une crise cardiaque, mais il avait "
        "vingt-cinq ans et était en bonne santé.",
        "de": "Auf der Sterbeurkunde stand Herzinfarkt, aber er war fünfundzwanzig und gesund.",
        "ar": "كُتب في شهادة الوفاة أنه مات بنوبة قلبية، لكنه كان في الخامسة والعشرين وبصحة جيدة.",
    },
    "civil-registry": {
        "en": "Years later the civil registry simply recorded him as dead, with no cause "
        "and no grave.",
        "fr": "Des années plus tard, l'état civil l'a simplement inscrit comme mort, sans "
        "cause ni tombe.",
        "de": "Jahre später trug ihn das Standesamt einfach als tot ein, ohne Ursache und "
        "ohne Grab.",
        "ar": "بعد سنوات سجّلته دائرة النفوس متوفى، دون سبب ودون قبر.",
    },
    "body-withheld": {
        "en": "They gave us his identity card and his papers, but never his body.",
        "fr": "Ils nous ont rendu sa carte d'identité et ses papiers, mais jamais son corps.",
        "de": "Sie gaben uns seinen Ausweis und seine Papiere, aber nie seinen Leichnam.",
        "ar": "سلّمونا هويته وأوراقه، لكنهم لم يسلّمونا جثته أبداً.",
    },
    "natural-causes": {
        "en": "At the military police they made my father sign that his son died of "
        "natural causes.",
        "fr": "À la police militaire, ils ont obligé mon père à signer que son fils était "
        "mort de cause naturelle.",
        "de": "Bei der Militärpolizei musste mein Vater unterschreiben, dass sein Sohn "
        "eines natürlichen Todes gestorben sei.",
        "ar": "في الشرطة العسكرية أجبروا أبي على التوقيع بأن ابنه توفي وفاة طبيعية.",
    },
    "date-of-death": {
        "en": "The date of death on the paper was months before the day we last saw him alive.",
        "fr": "La date du décès sur le papier précédait de plusieurs mois le jour où nous "
        "l'avions vu vivant pour la dernière fois.",
        "de": "Das Todesdatum auf dem Papier lag Monate vor dem Tag, an dem wir ihn "
        "zuletzt lebend gesehen hatten.",
        "ar": "كان تاريخ الوفاة على الورقة قبل أشهر من آخر يوم رأيناه فيه حياً.",
    },
    # Forced disappearance
    "denied-detention": {
        "en": "At every branch they told my mother that he was not there and had never "
        "been arrested.",
        "fr": "Dans chaque section, on disait à ma mère qu'il n'était pas là et n'avait "
        "jamais été arrêté.",
        "de": "In jeder Abteilung sagte man meiner Mutter, er sei nicht dort und nie "
        "festgenommen worden.",
        "ar": "في كل فرع كانوا يقولون لأمي إنه ليس عندهم وإنه لم يُعتقل أصلاً.",
    },
    "paid-for-news": {
        "en": "We paid a middleman thousands of dollars for news of him and learned nothing.",
        "fr": "Nous avons payé un intermédiaire des milliers de dollars pour avoir de ses "
        "nouvelles, sans rien apprendre.",
        "de": "Wir zahlten einem Vermittler Tausende Dollar für Nachricht von ihm und "
        "erfuhren nichts.",
        "ar": "دفعنا لسمسار آلاف الدولارات لنعرف خبره ولم نعرف شيئاً.",
    },
    "unknown-fate": {
        "en": "Twelve years on, we still do not know whether he is alive or dead.",
        "fr": "Douze ans après, nous ne savons toujours pas s'il est vivant ou mort.",
        "de": "Zwölf Jahre später wissen wir immer noch nicht, ob er lebt oder tot ist.",
        "ar": "بعد اثني عشر عاماً ما زلنا لا نعرف إن كان حياً أم ميتاً.",
    },
    "plainclothes": {
        "en": "He was taken from his hospital bed by men in civilian clothes and vanished.",
        "fr": "Des hommes en civil l'ont emmené de son lit d'hôpital et il a disparu.",
        "de": "Männer in Zivil holten ihn aus seinem Krankenhausbett, und er verschwand.",
        "ar": "أخذه رجال بلباس مدني من سريره في المستشفى واختفى.",
    },
    "not-on-lists": {
        "en": "After the prisons opened we searched every list of names, but his was not on any.",
        "fr": "Après l'ouverture des prisons, nous avons cherché dans toutes les listes "
        "de noms, mais le sien n'y figurait pas.",
        "de": "Nach der Öffnung der Gefängnisse durchsuchten wir jede Namensliste, aber "
        "seiner stand auf keiner.",
        "ar": "بعد فتح السجون بحثنا في كل قوائم الأسماء، لكن اسمه لم يكن في أي منها.",
    },
    # Medical neglect
    "infected-wounds": {
        "en": "My wounds became infected and nobody cleaned or dressed them.",
        "fr": "Mes blessures se sont infectées et personne ne les a nettoyées ni pansées.",
        "de": "Meine Wunden entzündeten sich, und niemand reinigte oder verband sie.",
        "ar": "التهبت جروحي ولم ينظفها أحد أو يضمدها.",
    },
    "insulin": {
        "en": "He was diabetic and they took away his insulin.",
        "fr": "Il était diabétique et ils lui ont retiré son insuline.",
        "de": "Er war Diabetiker, und sie nahmen ihm sein Insulin weg.",
        "ar": "كان مريضاً بالسكري وأخذوا منه الأنسولين.",
    },
    "prison-doctor": {
        "en": "The doctor who was supposed to treat us beat the sick instead.",
        "fr": "Le médecin censé nous soigner frappait les malades.",
        "de": "Der Arzt, der uns behandeln sollte, schlug stattdessen die Kranken.",
        "ar": "الطبيب الذي كان يفترض أن يعالجنا كان يضرب المرضى بدلاً من ذلك.",
    },
    "tuberculosis": {
        "en": "Tuberculosis spread through the cell and the coughing never stopped.",
        "fr": "La tuberculose s'est répandue dans la cellule et la toux ne cessait jamais.",
        "de": "Die Tuberkulose breitete sich in der Zelle aus, und das Husten hörte nie auf.",
        "ar": "انتشر السل في الزنزانة ولم يتوقف السعال أبداً.",
    },
    "diarrhoea": {
        "en": "Many died of diarrhoea because the water was dirty and there was no treatment.",
        "fr": "Beaucoup sont morts de diarrhée parce que l'eau était sale et qu'il n'y "
        "avait aucun traitement.",
        "de": "Viele starben an Durchfall, weil das Wasser schmutzig war und es keine "
        "Behandlung gab.",
        "ar": "مات كثيرون من الإسهال لأن الماء كان ملوثاً ولم يكن هناك علاج.",
    },
}


def topics_of(index: int, seed: int) -> tuple[str, ...]:
    """The topics testimony number `index` (from 1) speaks about.

    Every block of len(TOPICS) / TOPICS_PER_TESTIMONY testimonies covers each topic
    exactly once, in an order drawn from its own generator, so each topic has true
    answers at every scale and the other demo records do not change."""
    names = list(TOPICS)
    per_block = len(names) // TOPICS_PER_TESTIMONY
    block, slot = divmod(index - 1, per_block)
    order = Random(f"{seed}:topics:{block}").sample(names, len(names))
    start = slot * TOPICS_PER_TESTIMONY
    return tuple(order[start : start + TOPICS_PER_TESTIMONY])
