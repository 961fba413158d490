-- Health of a tollgate ApprovalRequest (approvals.tollgate.dev): a human approval gate.
-- Its status is kstatus-conformant (Ready, Reconciling, Stalled, observedGeneration), as the
-- operator documents it: https://github.com/tollgate-dev/tollgate/blob/main/docs/gitops.md
--   Ready=True                  approved                                   -> Healthy
--   Stalled=True (Ready=False)  rejected, expired, aborted, failed, or a
--                               start Step Functions refuses (an
--                               administrator must fix it)                 -> Degraded
--   otherwise                   waiting for approvals                      -> Progressing
-- The message is the condition's message, e.g. "1/2 approvals; waiting for bob".
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the tollgate operator to start the approval"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil and
    obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the tollgate operator to observe the request"
  return hs
end
local ready = nil
local stalled = nil
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    ready = condition
  elseif condition.type == "Stalled" then
    stalled = condition
  end
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message
  return hs
end
hs.status = "Progressing"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
else
  hs.message = "Waiting for approvals"
end
return hs
