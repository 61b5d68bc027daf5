"""The rendering stages: plain functions from an article document to files, no Django.

Slides, share images and QR codes (Pillow), captions and their line breaks,
the voice (TTS clips joined and levelled by ffmpeg) and the video; beside them
:mod:`media_pipeline.speech` (what is said) and :mod:`media_pipeline.tts`
(who says it). :mod:`media_pipeline.article_renders` calls them with what the
settings and the database say; :mod:`media_pipeline.jobs` stores the files.
"""
