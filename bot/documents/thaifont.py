"""Sarabun for PDFs, so that text copied or searched in a PDF reads as it was written.

HarfBuzz's Thai shaper splits SARA AM (ำ) into NIKHAHIT and SARA AA (with a tone mark, into
NIKHAHIT+tone and SARA AA), all in one cluster. WeasyPrint's PDF gives each glyph id one text, the first
it meets, and gives a cluster's text to its last glyph. So the SARA AA glyph meant "า" or "ำ" for a
whole file, whichever came first ("สำนักงำน", or "สานักงาน"), and น้ำ lost its tone mark.

The cure is in the font: a SARA AA that follows a NIKHAHIT becomes a twin glyph, one for each tone mark
that may sit above it (uni0E32.am, uni0E32.am0E48 … uni0E32.am0E4B: the same outline and width), by a
contextual substitution added last to the font's `liga` lookups. Each twin then appears only at the
end of its own kind of cluster, and maps to that text ("ำ", "่ำ", …); the plain SARA AA keeps "า".

    python -m bot.documents.thaifont    # writes bot/fonts/sarabun-thai-{400,700}-normal-pdf.woff

The committed files are made by this module from the fonts beside them (OFL 1.1 allows modified
versions; Sarabun declares no reserved font name).
"""
from __future__ import annotations

import copy
from pathlib import Path

from fontTools.feaLib.builder import addOpenTypeFeaturesFromString
from fontTools.ttLib import TTFont

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
WEIGHTS = (400, 700)
SARA_AA = "uni0E32"
TONES = ("", "0E48", "0E49", "0E4A", "0E4B")  # none, mai ek, mai tho, mai tri, mai chattawa


def source(weight: int) -> Path:
    return FONTS_DIR / f"sarabun-thai-{weight}-normal.woff"


def target(weight: int) -> Path:
    return FONTS_DIR / f"sarabun-thai-{weight}-normal-pdf.woff"


def twin(tone: str) -> str:
    return f"{SARA_AA}.am{tone}"


def fix_sara_am(font: TTFont) -> TTFont:
    """Add the SARA AA twins and the substitution that uses them (in place; also returned)."""
    order = font.getGlyphOrder()
    if twin("") in order:
        return font
    glyf, hmtx = font["glyf"], font["hmtx"]
    for tone in TONES:
        glyf.glyphs[twin(tone)] = copy.deepcopy(glyf[SARA_AA])
        hmtx.metrics[twin(tone)] = hmtx.metrics[SARA_AA]
    font.setGlyphOrder(order + [twin(tone) for tone in TONES])
    nikhahits = {tone: [g for g in (f"uni0E4D{tone}", f"uni0E4D{tone}.narrow") if g in order] for tone in TONES}
    rules = "\n".join(f"    sub [{' '.join(nikhahits[tone])}] {SARA_AA}' by {twin(tone)};"
                      for tone in TONES if nikhahits[tone])
    # feaLib builds a whole GSUB; build ours in a scratch copy and graft its lookups onto the font's,
    # after every lookup the font has (so after the ligatures that make NIKHAHIT+tone).
    scratch = copy.deepcopy(font)
    del scratch["GSUB"]
    feature = (f"languagesystem DFLT dflt;\nlanguagesystem thai dflt;\n"
               f"feature liga {{\n  lookup sara_am_text {{\n{rules}\n  }} sara_am_text;\n}} liga;\n")
    addOpenTypeFeaturesFromString(scratch, feature, tables=["GSUB"])
    gsub, ours = font["GSUB"].table, scratch["GSUB"].table
    offset = len(gsub.LookupList.Lookup)
    for lookup in ours.LookupList.Lookup:
        for subtable in lookup.SubTable:
            for record in getattr(subtable, "SubstLookupRecord", None) or []:
                record.LookupListIndex += offset
        gsub.LookupList.Lookup.append(lookup)
    gsub.LookupList.LookupCount = len(gsub.LookupList.Lookup)
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag == "liga":
            record.Feature.LookupListIndex.append(offset)  # the chaining lookup comes first in ours
            record.Feature.LookupCount = len(record.Feature.LookupListIndex)
    return font


def make(weight: int) -> Path:
    font = fix_sara_am(TTFont(source(weight)))
    font.flavor = "woff"
    font.save(target(weight))
    return target(weight)


if __name__ == "__main__":
    for w in WEIGHTS:
        print(make(w))
