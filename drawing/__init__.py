"""Drawing the technique diagrams: a development tool behind ``footbot render``, not shipped.

Drawing is a build step. The PNGs, one per technique and language, are committed in
knowledge/pictures/, so the running bot only reads files: no Pillow, no font, no drawing at
start-up, no cache of what was drawn. A test re-renders every picture and compares its pixels with
the committed file, so a description and its picture cannot drift apart unnoticed.
"""
