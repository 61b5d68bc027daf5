"""What each Tencent Cloud SMS error code means for the delivery ledger.

The codes are those of the official SDK's list
(``tencentcloud.sms.v20210111.errorcodes``) and Tencent Cloud API's common
codes (公共错误码). Each is one of four kinds, because the ledger only decides
one thing:

- ``contact``: the number opted out or is blocked; stop texting it.
- ``permanent``: this message to this number can never go (a bad number, a
  country the account does not serve, the text itself); the others still can.
- ``configuration``: our account, credentials, signature or template is wrong:
  every message would fail alike, so the channel is paused and the attempt
  refunded until an operator fixes it (see ``ChannelConfigurationError``).
- ``retryable``: a quota, a rate limit or the provider's own trouble; try
  again after the wait given (``None``: midnight Beijing time, when daily
  quotas reset).

Codes that only template and signature management (AddSmsTemplate…) or the
statistics calls answer are classed too: the same table serves every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .base import seconds_until_china_time
from .errors import (
    ChannelConfigurationError,
    ChannelError,
    ContactInactiveError,
    PermanentChannelError,
    RetryableChannelError,
)

__all__ = ["SMS_ERROR_CODES", "SmsErrorClass", "classify_sms_error"]

Kind = Literal["contact", "permanent", "configuration", "retryable"]
UNTIL_MIDNIGHT = None
UNTIL_8AM = -8.0  # marketing texts may only go out 08:00-22:00 Beijing time


@dataclass(frozen=True)
class SmsErrorClass:
    kind: Kind
    reason: str
    retry_after: float | None = 10.0  # retryable only; None = until midnight Beijing time


def _contact(reason: str) -> SmsErrorClass:
    return SmsErrorClass("contact", reason)


def _permanent(reason: str) -> SmsErrorClass:
    return SmsErrorClass("permanent", reason)


def _configuration(reason: str) -> SmsErrorClass:
    return SmsErrorClass("configuration", reason)


def _retry(reason: str, after: float | None = 10.0) -> SmsErrorClass:
    return SmsErrorClass("retryable", reason, after)


_DAILY = "daily sending limit reached"
_TEMPLATE_ADMIN = "template or signature management request refused"

SMS_ERROR_CODES: dict[str, SmsErrorClass] = {
    # --- the recipient --------------------------------------------------------------------------
    "FailedOperation.PhoneNumberInBlacklist": _contact(
        "number is on the do-not-disturb list (unsubscribed or blocked)"
    ),
    "InvalidParameterValue.IncorrectPhoneNumber": _permanent("invalid phone number"),
    "FailedOperation.PhoneNumberParseFail": _permanent("invalid phone number"),
    "LimitExceeded.AppCountryOrRegionInBlacklist": _permanent("the account does not send to this country or region"),
    "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone": _permanent(
        "mainland template cannot reach a non-mainland number"
    ),
    "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone": _permanent(
        "international template cannot reach a mainland number"
    ),
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": _permanent(
        "mainland and international numbers in one request"
    ),
    "UnsupportedOperation.ContainDomesticPhoneNumber": _permanent("this call takes only non-mainland numbers"),
    "UnsupportedOperation.UnsupportedRegion": _permanent("no SMS to this region"),
    # --- this message ---------------------------------------------------------------------------
    "FailedOperation.ContainSensitiveWord": _permanent("text contains a word the carrier blocks"),
    "InvalidParameter.DirtyWordFound": _permanent("text contains a word the carrier blocks"),
    "InvalidParameterValue.ContentLengthLimit": _permanent("text too long"),
    "InvalidParameterValue.TemplateParameterLengthLimit": _permanent("a template variable is too long"),
    "InvalidParameterValue.TemplateParameterFormatError": _permanent("a verification code must be 0-6 digits"),
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": _permanent("URL in a template variable"),
    "LimitExceeded.PhoneNumberCountLimit": _permanent("more than 200 numbers in one request"),
    "MissingParameter.EmptyPhoneNumberSet": _permanent("no phone number in the request"),
    "FailedOperation.OtherError": _permanent("refused by the provider (other error)"),
    "FailedOperation.ParametersOtherError": _permanent("refused by the provider (parameters)"),
    "InvalidParameter": _permanent("invalid parameter"),
    "InvalidParameter.InvalidParameters": _permanent("invalid parameter"),
    "InvalidParameterValue": _permanent("invalid parameter value"),
    "MissingParameter": _permanent("missing parameter"),
    "UnsupportedOperation": _permanent("operation not supported"),
    "FailedOperation": _permanent("refused by the provider"),
    # --- our account, credentials, signature, template ------------------------------------------
    "AuthFailure.SignatureFailure": _configuration("request signature rejected: check the SecretKey"),
    "AuthFailure.SignatureExpire": _configuration("request signature expired: check the server clock"),
    "AuthFailure.SecretIdNotFound": _configuration("SecretId unknown or disabled"),
    "AuthFailure.InvalidSecretId": _configuration("SecretId is not a valid key"),
    "AuthFailure.InvalidAuthorization": _configuration("Authorization header malformed"),
    "AuthFailure.TokenFailure": _configuration("temporary credentials' token invalid or expired: renew it"),
    "AuthFailure.MFAFailure": _configuration("multi-factor authentication required for this key"),
    "AuthFailure.UnauthorizedOperation": _configuration("the key may not send SMS (CAM policy)"),
    "AuthFailure": _configuration("authentication failed"),
    "UnauthorizedOperation": _configuration("operation not authorised"),
    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny": _configuration(
        "individual accounts may not send marketing SMS"
    ),
    "UnauthorizedOperation.RequestIpNotInWhitelist": _configuration("this server's IP is not on the account's list"),
    "UnauthorizedOperation.RequestPermissionDeny": _configuration("request not permitted"),
    "UnauthorizedOperation.SdkAppIdIsDisabled": _configuration("SMS application (SdkAppId) disabled"),
    "UnauthorizedOperation.ServiceSuspendDueToArrears": _configuration("service suspended: account in arrears"),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": _configuration("SdkAppId does not belong to this key's account"),
    "InvalidParameterValue.SdkAppIdNotExist": _configuration("SdkAppId does not exist"),
    "InvalidParameter.AppidAndBizId": _configuration("account and SdkAppId do not match"),
    "FailedOperation.SignatureIncorrectOrUnapproved": _configuration("signature not approved"),
    "FailedOperation.MissingSignature": _configuration("signature missing"),
    "FailedOperation.MissingSignatureList": _configuration("no approved signature"),
    "FailedOperation.SignIdNotExist": _configuration("signature id does not exist"),
    "FailedOperation.TemplateIdNotExist": _configuration("template id does not exist"),
    "FailedOperation.TemplateIncorrectOrUnapproved": _configuration("template not approved or text mismatch"),
    "FailedOperation.TemplateUnapprovedOrNotExist": _configuration("template not approved or missing"),
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": _configuration("template variable count mismatch"),
    "FailedOperation.MissingTemplateList": _configuration("no approved template"),
    "FailedOperation.NotEnterpriseCertification": _configuration("account is not enterprise-certified"),
    "FailedOperation.QualificationIdNotApproved": _configuration("qualification not approved"),
    "FailedOperation.ProhibitSubAccountUse": _configuration("a sub-account may not make this call"),
    "FailedOperation.InsufficientBalanceInSmsPackage": _configuration("SMS package balance exhausted: top it up"),
    "InternalError.SigVerificationFail": _configuration("provider could not verify the request signature"),
    "InternalError.SigFieldMissing": _configuration("request signature missing"),
    "InternalError.RequestTimeException": _configuration("server clock differs from Tencent's by more than 10 minutes"),
    "InternalError.RestApiInterfaceNotExist": _configuration("API address or action wrong"),
    "FailedOperation.JsonParseFail": _configuration("provider could not parse the studio's request"),
    "FailedOperation.FailResolvePacket": _configuration("provider could not parse the studio's request"),
    "InternalError.JsonParseFail": _configuration("provider could not parse the studio's request"),
    "InvalidParameterValue.MarketingTemplateWithoutUnsubscribe": _configuration(
        "marketing template lacks the opt-out wording"
    ),
    "InvalidParameterValue.InvalidSmsType": _configuration("template type (SmsType) wrong"),
    "InvalidParameterValue.InvalidInternational": _configuration("template region (International) wrong"),
    "InvalidParameterValue.InvalidTemplateFormat": _configuration("template format rejected"),
    "InvalidParameterValue.TemplateWithDirtyWords": _configuration("template contains a blocked word"),
    "InvalidParameterValue.UnsupportedTemplateVariable": _configuration("template may not have variables"),
    "FailedOperation.ForbidAddMarketingTemplates": _configuration(_TEMPLATE_ADMIN),
    "FailedOperation.MissingSignatureToModify": _configuration(_TEMPLATE_ADMIN),
    "FailedOperation.MissingTemplateToModify": _configuration(_TEMPLATE_ADMIN),
    "FailedOperation.SignNumberLimit": _configuration(_TEMPLATE_ADMIN),
    "FailedOperation.TemplateAlreadyPassedCheck": _configuration(_TEMPLATE_ADMIN),
    "FailedOperation.TemplateNumberLimit": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.ImageInvalid": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.InvalidDocumentType": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.InvalidSignPurpose": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.InvalidUsedMethod": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.QualificationIdNotFound": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.SignAlreadyPassedCheck": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.SignExistAndUnapproved": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.SignNameLengthTooLong": _configuration(_TEMPLATE_ADMIN),
    "InvalidParameterValue.BeginTimeVerifyFail": _configuration("statistics request parameters wrong"),
    "InvalidParameterValue.EndTimeVerifyFail": _configuration("statistics request parameters wrong"),
    "InvalidParameterValue.InvalidStartTime": _configuration("statistics request parameters wrong"),
    "InvalidParameterValue.LimitVerifyFail": _configuration("statistics request parameters wrong"),
    "InvalidParameterValue.OffsetVerifyFail": _configuration("statistics request parameters wrong"),
    "InvalidParameterValue.MultiSmsInfoSetEmpty": _configuration("statistics request parameters wrong"),
    "ActionOffline": _configuration("API action retired"),
    "InvalidAction": _configuration("API action unknown"),
    "NoSuchProduct": _configuration("API product unknown"),
    "NoSuchVersion": _configuration("API version unknown"),
    "UnsupportedProtocol": _configuration("API protocol not supported"),
    "UnsupportedRegion": _configuration("API region (X-TC-Region) not supported"),
    "UnknownParameter": _configuration("request has a parameter the API does not know"),
    "IpInBlacklist": _configuration("this server's IP is blocked"),
    "IpNotInWhitelist": _configuration("this server's IP is not allowed"),
    "InvalidRequest": _configuration("request malformed"),
    # --- later ----------------------------------------------------------------------------------
    "LimitExceeded.PhoneNumberThirtySecondLimit": _retry("per-number 30-second limit", 30.0),
    "LimitExceeded.PhoneNumberOneHourLimit": _retry("per-number hourly limit", 3600.0),
    "LimitExceeded.PhoneNumberDailyLimit": _retry("per-number " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.PhoneNumberSameContentDailyLimit": _retry("per-number same-content " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.DeliveryFrequencyLimit": _retry("the account's frequency policy", 3600.0),
    "LimitExceeded.AppDailyLimit": _retry("account " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.AppMainlandChinaDailyLimit": _retry("account mainland " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.AppGlobalDailyLimit": _retry("account international " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.DailyLimit": _retry("account " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.AppCountryOrRegionDailyLimit": _retry("country " + _DAILY, UNTIL_MIDNIGHT),
    "LimitExceeded.GlobalSmsSendingRateLimit": _retry("international sending rate limit", 1.0),
    "LimitExceeded": _retry("limit exceeded", 60.0),
    "RequestLimitExceeded": _retry("request rate limit", 1.0),
    "RequestLimitExceeded.UinLimitExceeded": _retry("request rate limit of the account", 1.0),
    "RequestLimitExceeded.IPLimitExceeded": _retry("request rate limit of this server's IP", 1.0),
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded": _retry("request rate limit of the account", 1.0),
    "FailedOperation.MarketingSendTimeConstraint": _retry("marketing SMS only 08:00-22:00", UNTIL_8AM),
    "InternalError": _retry("provider-side failure"),
    "InternalError.Timeout": _retry("provider timed out sending to the carrier"),
    "InternalError.SendAndRecvFail": _retry("provider timed out"),
    "InternalError.OtherError": _retry("provider-side failure"),
    "InternalError.ParseBackendResponseFail": _retry("carrier answer unreadable"),
    "InternalError.UnknownError": _retry("provider-side failure"),
    "ResourceUnavailable": _retry("provider unavailable"),
    "ResourceInsufficient": _retry("provider short of resources"),
    "ServiceUnavailable": _retry("provider unavailable"),
    "": _retry("provider answered without an error code"),
}


def _class_of(code: str) -> SmsErrorClass:
    """The code's class; a code newer than this table takes its family's (``LimitExceeded.New`` → LimitExceeded)."""
    if code in SMS_ERROR_CODES:
        return SMS_ERROR_CODES[code]
    family = code.split(".", 1)[0]
    if family in SMS_ERROR_CODES:
        return SMS_ERROR_CODES[family]
    return _permanent("unknown error code")


def classify_sms_error(code: str, provider_text: str) -> ChannelError:
    """The channel exception for a Tencent Cloud error code; ``provider_text`` must already be redacted."""
    found = _class_of(code)
    reason = f"SMS provider error {code or '(no code)'}: {found.reason}"
    if code not in SMS_ERROR_CODES and provider_text:
        reason += f" ({provider_text[:200]})"
    if found.kind == "contact":
        return ContactInactiveError(reason, provider_code=code)
    if found.kind == "configuration":
        return ChannelConfigurationError(reason, provider_code=code)
    if found.kind == "permanent":
        return PermanentChannelError(reason, provider_code=code)
    if found.retry_after is UNTIL_MIDNIGHT:
        wait = seconds_until_china_time(0)
    elif found.retry_after == UNTIL_8AM:
        wait = seconds_until_china_time(8)
    else:
        wait = found.retry_after
    return RetryableChannelError(reason, wait, provider_code=code)
