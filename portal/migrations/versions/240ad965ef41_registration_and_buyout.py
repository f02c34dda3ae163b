"""registration and buyout

Revision ID: 240ad965ef41
Revises: c67e7b4434b7
Create Date: 2026-11-22 00:03:31.940524
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '240ad965ef41'
down_revision: str | None = 'c67e7b4434b7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False, server_default=''))
        batch_op.create_unique_constraint('uq_payment_lease_reference', ['lease_id', 'reference'])

    with op.batch_alter_table('registration_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('portal_ref', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('related_case', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('representative_iin', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.add_column(sa.Column('consent_status', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column('applicant_signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('company_signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('fee_receipt', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('video_starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('deadline', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decision', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False, server_default=sa.func.now()))



def downgrade() -> None:
    with op.batch_alter_table('registration_case', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('decision')
        batch_op.drop_column('deadline')
        batch_op.drop_column('video_starts_at')
        batch_op.drop_column('fee_receipt')
        batch_op.drop_column('company_signed_at')
        batch_op.drop_column('applicant_signed_at')
        batch_op.drop_column('consent_status')
        batch_op.drop_column('representative_iin')
        batch_op.drop_column('related_case')
        batch_op.drop_column('portal_ref')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payment_lease_reference', type_='unique')
        batch_op.drop_column('recorded_by')

