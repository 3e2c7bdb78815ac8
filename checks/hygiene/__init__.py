"""HY: field-level data quality. HY01-HY05 run as one Great Expectations suite
(checks/hygiene/gx_adapter.py, the only module that imports GX); HY06-HY08 are pandas."""

from checks.hygiene.HY01 import RequiredFields
from checks.hygiene.HY02 import DuplicateIds
from checks.hygiene.HY03 import DateOrder
from checks.hygiene.HY04 import AmountRange
from checks.hygiene.HY05 import StatusConsistency
from checks.hygiene.HY06 import OrphanRecords
from checks.hygiene.HY07 import DuplicateDeals
from checks.hygiene.HY08 import UnparseableValues

CHECKS = (RequiredFields, DuplicateIds, DateOrder, AmountRange, StatusConsistency, OrphanRecords,
          DuplicateDeals, UnparseableValues)
