"""Ticket codes people can type (Crockford base 32 with a check symbol), filled in for every place

Revision ID: be9e5094ad9f
Revises: f8d0e8d59a90
Create Date: 2026-12-03 17:40:33.885275

"""
from alembic import op
import sqlalchemy as sa

from app.enrolment.tickets import new_ticket_code


# revision identifiers, used by Alembic.
revision = 'be9e5094ad9f'
down_revision = 'f8d0e8d59a90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_code', sa.String(length=13), nullable=True))

    # Every place booked so far gets its code; its old token keeps working too.
    connection = op.get_bind()
    ids = connection.execute(sa.text("SELECT id FROM enrolments ORDER BY id")).scalars().all()
    issued = set()
    for start in range(0, len(ids), 1000):
        rows = []
        for enrolment_id in ids[start : start + 1000]:
            code = new_ticket_code()
            while code in issued:
                code = new_ticket_code()
            issued.add(code)
            rows.append({"id": enrolment_id, "code": code})
        connection.execute(sa.text("UPDATE enrolments SET ticket_code = :code WHERE id = :id"), rows)

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.alter_column('ticket_code', existing_type=sa.String(length=13), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_enrolments_ticket_code'), ['ticket_code'])


def downgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_enrolments_ticket_code'), type_='unique')
        batch_op.drop_column('ticket_code')
