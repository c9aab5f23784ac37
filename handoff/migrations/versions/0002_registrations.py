"""Anonymised registrations (type, referral, role, location, minor, flags, month) for the periodic report."""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registrations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('location', sa.String(length=64), nullable=False),
    sa.Column('behaviour_type', sa.String(length=32), nullable=True),
    sa.Column('role', sa.String(length=32), nullable=True),
    sa.Column('minor', sa.Integer(), nullable=True),
    sa.Column('flags', sa.String(length=128), nullable=False),
    sa.Column('referral', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_registrations_month'), 'registrations', ['month'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_registrations_month'), table_name='registrations')
    op.drop_table('registrations')
