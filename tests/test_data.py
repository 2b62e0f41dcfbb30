"""course.data: the 20 codes are flags_seq.py's, and every flag the server has is a GIF."""

from course.data import COURSE_CODES, flag_gifs
from flags_seq import POP20_CC


def test_course_codes_are_the_codes_of_flags_seq_in_lower_case():
    assert COURSE_CODES == [cc.lower() for cc in POP20_CC]
    assert len(set(COURSE_CODES)) == 20


def test_every_course_code_has_a_flag_and_every_flag_is_a_gif():
    gifs = flag_gifs()
    assert set(COURSE_CODES) <= set(gifs)
    assert len(gifs) > 250
    assert all(image.startswith(b"GIF8") for image in gifs.values())
    assert flag_gifs() is gifs  # read once
