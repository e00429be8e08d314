from evidence.analysis import analyse, analysed_text, normalise


def test_arabic_hamza_forms_of_alef_fold_to_bare_alef() -> None:
    assert normalise("أحمد") == normalise("احمد") == normalise("إحمد") == normalise("آحمد")


def test_ta_marbuta_and_alef_maqsura_fold() -> None:
    assert normalise("مدرسة") == normalise("مدرسه")
    assert normalise("مستشفى") == normalise("مستشفي")


def test_tashkeel_and_tatweel_are_removed() -> None:
    assert normalise("مُحَمَّد") == "محمد"
    assert normalise("محـــمد") == "محمد"


def test_arabic_indic_and_eastern_digits_become_ascii() -> None:
    assert analyse("فرع ٢١٥") == ["فرع", "215"]
    assert analyse("۲۱۵") == ["215"]


def test_latin_case_and_accents_fold() -> None:
    assert analyse("Cour d'Assises, PARÍS") == ["cour", "d", "assises", "paris"]


def test_analysed_text_skips_missing_parts() -> None:
    assert analysed_text("Branch 215", None, "", "Damascus") == "branch 215 damascus"


def test_persian_and_urdu_letter_variants_fold() -> None:
    assert normalise("ی") == normalise("ي") == normalise("ے")
    assert normalise("ک") == normalise("ك")
    assert normalise("ہ") == normalise("ه") == normalise("ھ")
