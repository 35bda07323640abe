"""Certificates name who issues and signs them: a programme's signatory (chosen by a
lead), and on each certificate the organisations and signatory as they were when it
was issued

Revision ID: f8d0e8d59a90
Revises: 780a50351031
Create Date: 2026-12-03 17:29:04.556057

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f8d0e8d59a90'
down_revision = '780a50351031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisations', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('signatory_title', sa.String(length=200), nullable=True))

    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('signatory_title', sa.String(length=200), nullable=True))

    # Certificates issued so far name their programme's partners (there was no signatory).
    partners = op.get_bind().execute(
        sa.text(
            """SELECT c.id, o.name FROM certificates c
               JOIN cohorts h ON h.id = c.cohort_id
               JOIN programme_partners p ON p.programme_id = h.programme_id
               JOIN organisations o ON o.id = p.organisation_id
               ORDER BY c.id, o.name"""
        )
    )
    names = defaultdict(list)
    for certificate_id, name in partners:
        names[certificate_id].append(name)
    certificates = sa.table('certificates', sa.column('id', sa.Integer), sa.column('organisations', sa.JSON))
    for certificate_id, organisations in names.items():
        op.execute(
            certificates.update()
            .where(certificates.c.id == certificate_id)
            .values(organisations=organisations)
        )


def downgrade():
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_column('signatory_title')
        batch_op.drop_column('signatory_name')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('signatory_title')
        batch_op.drop_column('signatory_name')
        batch_op.drop_column('organisations')
