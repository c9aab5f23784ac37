"""Case queue, advisers, sealed case items and an append-only audit log."""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('advisers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Integer(), nullable=False),
    sa.Column('suite', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('kdf', sa.Text(), nullable=False),
    sa.Column('wrapped_private_key', sa.LargeBinary(), nullable=False),
    sa.Column('wrapped_totp_seed', sa.LargeBinary(), nullable=False),
    sa.Column('key_created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login')
    )
    op.create_table('adviser_locations',
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id'], ),
    sa.PrimaryKeyConstraint('adviser_id', 'location')
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('behaviour_type', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_contact_due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.Integer(), nullable=True),
    sa.Column('suite', sa.String(length=32), nullable=False),
    sa.Column('case_public_key', sa.LargeBinary(), nullable=False),
    sa.Column('reporter_public_key', sa.LargeBinary(), nullable=False),
    sa.Column('code_lookup', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['claimed_by'], ['advisers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_lookup')
    )
    op.create_index(op.f('ix_cases_location'), 'cases', ['location'], unique=False)
    op.create_table('case_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sealed_for_case', sa.LargeBinary(), nullable=False),
    sa.Column('sealed_for_reporter', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_items_case_id'), 'case_items', ['case_id'], unique=False)
    op.create_index('ix_case_items_case_seq', 'case_items', ['case_id', 'seq'], unique=True)
    op.create_table('case_keys',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('sealed_key', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['advisers.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('case_id', 'adviser_id')
    )
    _forbid_audit_changes()


def _forbid_audit_changes() -> None:
    """The audit log can be read and appended to, never changed: the database itself refuses."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log cannot be changed'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_refuse()")
    op.drop_table('case_keys')
    op.drop_index('ix_case_items_case_seq', table_name='case_items')
    op.drop_index(op.f('ix_case_items_case_id'), table_name='case_items')
    op.drop_table('case_items')
    op.drop_index(op.f('ix_cases_location'), table_name='cases')
    op.drop_table('cases')
    op.drop_table('audit_events')
    op.drop_table('adviser_locations')
    op.drop_table('advisers')
