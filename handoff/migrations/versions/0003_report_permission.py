"""Advisers need an explicit permission to see the periodic overview."""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('advisers') as batch:
        batch.add_column(sa.Column('may_report', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('advisers') as batch:
        batch.drop_column('may_report')
