"""Intake: encounters from EMRs and hospital systems (FHIR R4, HL7 v2, CSV/XLSX) become canonical encounters.

Every adapter turns its input into a stream of :class:`claims.intake.records.ParsedRecord` (one per
encounter, each validated on its own) and, where the file says how many it holds, a
:class:`claims.intake.records.DeclaredCount`. :mod:`claims.intake.service` maps codes, versions and
stores them through repository protocols and returns an :class:`claims.intake.report.ImportReport`.
"""
