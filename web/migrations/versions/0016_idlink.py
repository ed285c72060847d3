"""the identity provider a browser session signed in through

Revision ID: 0016_idlink
Revises: 0015_identity
Create Date: 2026-12-03 21:05:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0016_idlink'
down_revision: Union[str, Sequence[str], None] = '0015_identity'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Sign-out goes to the end_session_endpoint of the provider the session came
    from (SAMBAND_OIDC__PROVIDERS may list several)."""
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_column('provider')
