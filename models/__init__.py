"""Tables, enums and invariants. Imports nothing else of ours."""

from .attachment import Attachment, FormStash
from .audit import AdminAuditEntry
from .base import Base, as_utc, db, utcnow
from .enums import (
    ANNOUNCEABLE_OUTCOMES,
    DECIDED_OUTCOMES,
    OPEN_STATES,
    STAFF_ROLES,
    TWO_FACTOR_ROLES,
    AnnouncementState,
    ImplementationStage,
    OrganisationKind,
    OutboxState,
    Outcome,
    PanelVote,
    ReviewKind,
    Role,
    SourceKind,
    Stage,
    State,
)
from .infra import BulkImport, Counter, Export, MailLog, OutboxMessage, SearchTerms
from .office import ReminderLog
from .panel import AgendaItem, PanelMember, PanelOpinion, PanelSession, Recusal
from .people import ApiToken, Organisation, User
from .proposal import (
    Announcement,
    Campaign,
    Decision,
    Proposal,
    ProposalEvent,
    ProposalStageFigure,
    ProposalTally,
    Review,
)
from .reexamination import ReexaminationRequest
from .reference import Channel, DeclineReason, RegulationType, Sector
from .security import LoginSession, PersonalDataAccess, RecoveryCode
from .vote import Ballot, BallotChoice, VoteCandidate, VoteRound

__all__ = [
    "ANNOUNCEABLE_OUTCOMES",
    "DECIDED_OUTCOMES",
    "OPEN_STATES",
    "STAFF_ROLES",
    "TWO_FACTOR_ROLES",
    "AdminAuditEntry",
    "AgendaItem",
    "Announcement",
    "AnnouncementState",
    "ApiToken",
    "Attachment",
    "Ballot",
    "BallotChoice",
    "Base",
    "BulkImport",
    "Campaign",
    "Channel",
    "Counter",
    "Decision",
    "DeclineReason",
    "Export",
    "FormStash",
    "ImplementationStage",
    "LoginSession",
    "MailLog",
    "Organisation",
    "OrganisationKind",
    "OutboxMessage",
    "OutboxState",
    "Outcome",
    "PanelMember",
    "PanelOpinion",
    "PanelSession",
    "PanelVote",
    "PersonalDataAccess",
    "Proposal",
    "ProposalEvent",
    "ProposalStageFigure",
    "ProposalTally",
    "RecoveryCode",
    "Recusal",
    "ReexaminationRequest",
    "RegulationType",
    "ReminderLog",
    "Review",
    "ReviewKind",
    "Role",
    "SearchTerms",
    "Sector",
    "SourceKind",
    "Stage",
    "State",
    "User",
    "VoteCandidate",
    "VoteRound",
    "as_utc",
    "db",
    "utcnow",
]
