"""Outbox messages keep the language they are written in (for Content-Language)

Messages already queued take their recipient's language when the recipient has an
account that chose one, else the default language, English.

Revision ID: 780a50351031
Revises: 5a28014639c3
Create Date: 2026-12-03 17:30:53.564836

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '780a50351031'
down_revision = '5a28014639c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE outbox_messages SET locale = COALESCE("
        "(SELECT users.locale FROM users WHERE users.email = outbox_messages.recipient), 'en')"
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('locale', existing_type=sa.String(length=16), nullable=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('locale')
