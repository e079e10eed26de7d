"""The live side: fragments rendered once per event, broadcast, and fanned out per process.

protocol (close codes, groups), origin (which page asked; the answer's fragments), fragments
(event -> fragments), broadcast (events -> the channel layer), hub (one subscription per
process per board), presence, healing (pages that missed a change get the board again).
"""
