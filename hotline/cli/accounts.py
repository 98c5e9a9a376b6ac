"""flask user create|list|deactivate, flask apikey create|revoke|list."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hotline.auth import find_user, hash_api_key, new_api_key
from hotline.auth.accounts import AccountError, create_user
from hotline.auth.keycache import forget_keys
from hotline.database import session_factory
from models import ApiKey, User, clock
from models.enums import Channel, Role, values

user_cli = AppGroup("user", help="工作人员账号。")
apikey_cli = AppGroup("apikey", help="渠道 API 密钥。")


@user_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", required=True, type=click.Choice(values(Role)))
@click.option("--unit", "unit_code", default=None, help="所属单位编码（unit_staff 必填）")
@click.option("--name", "display_name", default=None, help="显示名称")
def user_create(username, password, role, unit_code, display_name):
    """创建工作人员账号。"""
    try:
        with session_factory()() as session, session.begin():
            create_user(session, username, password, role, unit_code, display_name)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已创建用户 {username}（{role}{'，' + unit_code if unit_code else ''}）")


@user_cli.command("list")
def user_list():
    """列出工作人员账号。"""
    with session_factory()() as session:
        users = list(session.scalars(select(User).order_by(User.id)))
        if not users:
            click.echo("还没有工作人员账号。创建：flask --app wsgi user create --username U --role R", err=True)
        for user in users:
            unit = user.unit.code if user.unit else "-"
            click.echo(f"{user.username}\t{user.role}\t{unit}\t{'启用' if user.active else '停用'}")


@user_cli.command("deactivate")
@click.option("--username", required=True)
def user_deactivate(username):
    """停用账号（其令牌随即失效）。"""
    with session_factory()() as session, session.begin():
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"用户 {username} 不存在")
        user.active = False
    click.echo(f"已停用 {username}")


@apikey_cli.command("create")
@click.option("--channel", required=True, type=click.Choice(values(Channel)))
@click.option("--name", required=True, help="客户端名称，例如 “门户网站”")
def apikey_create(channel, name):
    """创建渠道 API 密钥；最后一行单独输出密钥（只显示这一次）。"""
    key, prefix = new_api_key()
    with session_factory()() as session, session.begin():
        taken = session.scalar(select(ApiKey.id).where(ApiKey.channel == channel, ApiKey.name == name))
        if taken is not None:
            raise click.ClickException(f"渠道 {channel} 已有名为“{name}”的密钥，请换一个名称")
        session.add(ApiKey(name=name, channel=channel, prefix=prefix, key_hash=hash_api_key(key)))
    click.echo(f"已为渠道 {channel} 创建密钥“{name}”（前缀 {prefix}）。密钥只显示这一次，请妥善保存：")
    click.echo(key)


@apikey_cli.command("revoke")
@click.argument("prefix")
def apikey_revoke(prefix):
    """吊销密钥（按前缀，或完整密钥）。"""
    if prefix.startswith("hk_"):
        prefix = prefix.split("_")[1]
    with session_factory()() as session, session.begin():
        key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if key is None:
            raise click.ClickException(f"没有前缀为 {prefix} 的密钥")
        if key.revoked_at is None:
            key.revoked_at = clock.now()
    forget_keys(current_app)  # web processes stop accepting it within API_KEY_CACHE_SECONDS
    click.echo(f"已吊销密钥 {prefix}")


@apikey_cli.command("list")
def apikey_list():
    """列出密钥（不含密钥本身）。"""
    with session_factory()() as session:
        keys = list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
        if not keys:
            click.echo("还没有渠道密钥。创建：flask --app wsgi apikey create --channel C --name NAME", err=True)
        for key in keys:
            state = "已吊销" if key.revoked_at else "有效"
            click.echo(f"{key.prefix}\t{key.channel}\t{key.name}\t{state}")

