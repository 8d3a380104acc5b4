"""Names vulture cannot see used because a framework uses them (tests/test_architecture.py passes this file to
vulture with the app's code). Add a name here only when a library calls or reads it; code nobody uses goes."""

# Columns written through the ORM's keyword arguments and read back by SQL, exports and the audit trail.
_.updated_at  # db/models.py Activity
_.approved_by  # db/models.py ServiceRecord
_.provider_org_id  # db/models.py CharityResource
_.last_login_at  # db/models.py AppUser
_.at  # db/models.py AuditLog
_.table_name  # db/models.py AuditLog
_.old_values  # db/models.py AuditLog
_.new_values  # db/models.py AuditLog
_.changed_at  # db/models.py DataVersion

# pydantic-settings reads the model's configuration and runs its validators.
_.model_config  # db/settings.py Settings
_._normalise_url  # db/settings.py @field_validator
_.cls  # db/settings.py the validator's class argument

# SQLAlchemy calls event listeners; the DBAPI reads the connection attribute they set.
_._no_pysqlite_begin  # db/engine.py @event.listens_for(engine, "connect")
_.isolation_level  # db/engine.py sqlite3 connection attribute

# openpyxl and zipfile read attributes set on their objects (styles, panes, compression).
_.fill  # db/export.py, db/transfer: cell fill
_.freeze_panes  # db/export.py, db/transfer: worksheet panes
_.number_format  # db/export.py, db/transfer: cell number format
_.alignment  # db/transfer/templates.py, db/screen/brief.py (python-docx paragraph format too)
_.first_line_indent  # db/screen/brief.py python-docx paragraph format
_.compress_type  # db/admin/backup.py zipfile.ZipInfo

# pydantic runs validators; SQLAlchemy calls event listeners.
_._normalise_load_demo  # db/settings.py @field_validator
_._fast  # db/admin/backup.py @event.listens_for on the scratch engine
_._before_flush  # db/summaries.py @event.listens_for(Session, ...): the summaries' write hooks
_._on_execute  # db/summaries.py
_._before_commit  # db/summaries.py
_._after_rollback  # db/summaries.py
_._forget_sums  # db/figures/summaries.py @event.listens_for(Session, ...): the summed figures' session memo
_._add_unfinished  # db/write.py @event.listens_for(Session, ...): claimed idempotency keys
_._forget_unfinished  # db/write.py
_.linked_activities  # db/models.py FigureMonth columns, read by figure key (db/figures/summaries.SUMMED)
_.in_kind  # db/models.py FigureMonth
