#!/usr/bin/env bash
# After `sam deploy`: checks that the stack can hold, run and release a scale-in, without scaling
# anything. It reads the stack's outputs and parameters, checks the group's hook(s), the rule, the
# instances' SSM agents, runs the stack's runbook once on one instance (the group is not touched)
# and checks that the archive reached S3. With --take-one-out it then takes that instance out of
# the group (its desired capacity kept, so the group launches a replacement) and follows it to
# Terminating:Proceed and the function's final log line. It stops at the first failed check and
# says what to do.
#
#   scripts/smoke-test.sh --stack-name NAME [--region REGION] [--instance-id ID] [--take-one-out]
#
# Needs the aws CLI (v1 or v2) with credentials for the stack's account and Region.
set -euo pipefail
# Every AWS call goes through the aws CLI, so the CLI's own AWS_ENDPOINT_URL sends them all elsewhere:
# that is how the build runs this script against its local AWS stand-in (SmokeTestScriptTest).

stack_name=""
instance_id=""
take_one_out=false
poll_seconds="${SMOKE_TEST_POLL_SECONDS:-5}"
wait_limit_seconds="${SMOKE_TEST_WAIT_LIMIT_SECONDS:-1800}"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --stack-name) stack_name="${2:?--stack-name needs a value}"; shift 2 ;;
    --region) export AWS_DEFAULT_REGION="${2:?--region needs a value}"; shift 2 ;;
    --instance-id) instance_id="${2:?--instance-id needs a value}"; shift 2 ;;
    --take-one-out) take_one_out=true; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done
[ -n "$stack_name" ] || usage

passed() { echo "ok    $*"; }
# One failed check ends the run, with what to do about it.
failed() {
  local what="$1" todo="$2"
  echo "FAIL  $what" >&2
  echo "      what to do: $todo" >&2
  exit 1
}

# The stack's status, outputs and parameters in one call, a line each: kind, key, value.
description=$(aws cloudformation describe-stacks --stack-name "$stack_name" --output text --query \
  "Stacks[0].[[['Stack', 'StackStatus', StackStatus]], Outputs[].['Output', OutputKey, OutputValue], Parameters[].['Parameter', ParameterKey, ParameterValue]][]" 2>&1) \
  || failed "the stack $stack_name cannot be read: $description" \
       "check the stack's name and that the CLI uses the stack's Region (--region) and account"
stack_value() { # kind (Stack|Output|Parameter), key; nothing when the stack has no such value
  awk -F '\t' -v kind="$1" -v key="$2" '$1 == kind && $2 == key { print $3 }' <<<"$description"
}

status=$(stack_value Stack StackStatus)
case "$status" in
  CREATE_COMPLETE|UPDATE_COMPLETE) passed "stack $stack_name is $status" ;;
  *) failed "stack $stack_name is $status" "wait for the deployment to end, or read its events: aws cloudformation describe-stack-events --stack-name $stack_name" ;;
esac

group=$(stack_value Parameter AutoScalingGroupName)
hook=$(stack_value Parameter LifecycleHookName)
runbook=$(stack_value Output RunbookName)
rule_arn=$(stack_value Output LifecycleRuleArn)
alias_arn=$(stack_value Output FunctionAliasArn)
bucket=$(stack_value Output LogBucketName)
prefix=$(stack_value Parameter LogPrefix)
log_group=$(stack_value Output FunctionLogGroupName)

hook_transition=$(aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name "$group" --lifecycle-hook-names "$hook" \
  --query 'LifecycleHooks[0].LifecycleTransition' --output text 2>&1) \
  || failed "the group $group cannot be read: $hook_transition" "check the stack's AutoScalingGroupName: the group must exist in this Region"
[ "$hook_transition" = "autoscaling:EC2_INSTANCE_TERMINATING" ] \
  || failed "the group $group has no terminate hook named $hook (found: $hook_transition)" \
       "with CreateLifecycleHook=false, set LifecycleHookName to the group's terminate hook, or let the stack create it"
passed "group $group holds terminating instances at hook $hook"

rule_name="${rule_arn##*/}"
rule_state=$(aws events describe-rule --name "$rule_name" --query 'State' --output text 2>&1) \
  || failed "the rule $rule_name cannot be read: $rule_state" "deploy the stack again: sam deploy"
[ "$rule_state" = ENABLED ] || failed "the rule $rule_name is $rule_state" "enable it: aws events enable-rule --name $rule_name"
rule_target=$(aws events list-targets-by-rule --rule "$rule_name" --query 'Targets[0].Arn' --output text 2>&1) \
  || failed "the rule $rule_name's targets cannot be read: $rule_target" "check that your credentials may call events:ListTargetsByRule"
[ "$rule_target" = "$alias_arn" ] \
  || failed "the rule $rule_name delivers to $rule_target, not to the function's alias $alias_arn" "deploy the stack again: sam deploy"
passed "rule $rule_name is enabled and delivers to $alias_arn"

in_service=$(aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names "$group" \
  --query "AutoScalingGroups[0].Instances[?LifecycleState=='InService'].InstanceId" --output text)
[ -n "$in_service" ] && [ "$in_service" != None ] \
  || failed "the group $group has no instance in service" "try again when it has one (set its desired capacity to at least 1)"
for instance in $in_service; do
  # SSM answers InvalidInstanceId for an instance it does not manage.
  agent=$(aws ssm describe-instance-information --filters "Key=InstanceIds,Values=$instance" \
    --query 'InstanceInformationList[0].[PingStatus,PlatformType]' --output text 2>&1) \
    || failed "instance $instance cannot be found in SSM: $agent" \
         "InvalidInstanceId: SSM does not manage it, so its role needs AmazonSSMManagedInstanceCore and the instance a route to SSM (NAT or VPC endpoints); another error: check that your credentials may call ssm:DescribeInstanceInformation"
  [ "$agent" = "$(printf 'Online\tLinux')" ] \
    || failed "instance $instance: SSM agent and platform are '$agent', not Online and Linux" \
         "the instance role needs AmazonSSMManagedInstanceCore and the instance a route to SSM (NAT or VPC endpoints); the runbook runs on Linux only"
done
passed "every instance in service has its SSM agent online: $(echo "$in_service" | wc -w) instance(s)"

if [ -z "$bucket" ]; then
  echo "skip  the stack runs your own runbook $runbook, which this script does not start outside a scale-in"
else
  instance_id="${instance_id:-$(echo "$in_service" | awk '{print $1}')}"
  execution=$(aws ssm start-automation-execution --document-name "$runbook" \
    --parameters "InstanceId=$instance_id,AutoScalingGroupName=$group" --query AutomationExecutionId --output text 2>&1) \
    || failed "the runbook $runbook did not start: $execution" "deploy the stack again (sam deploy), or check that your credentials may start it"
  echo "...   runbook $runbook started on $instance_id as execution $execution"
  waited=0
  while :; do
    runbook_status=$(aws ssm get-automation-execution --automation-execution-id "$execution" \
      --query AutomationExecution.AutomationExecutionStatus --output text)
    case "$runbook_status" in
      Success) break ;;
      Pending|InProgress|Waiting) ;;
      *) failed "the runbook ended $runbook_status on $instance_id" \
           "read its step's output: aws ssm get-automation-execution --automation-execution-id $execution; an upload refused (AccessDenied) means the instance role lacks the InstanceUploadPolicyArn output" ;;
    esac
    [ "$waited" -lt "$wait_limit_seconds" ] || failed "the runbook still runs after ${waited} s" "follow it: aws ssm get-automation-execution --automation-execution-id $execution"
    sleep "$poll_seconds"
    waited=$((waited + poll_seconds))
  done
  passed "runbook $runbook succeeded on $instance_id"
  archives=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/$group/$instance_id/" \
    --query 'Contents[].Key' --output text 2>&1) \
    || failed "the bucket $bucket cannot be listed: $archives" "check that your credentials may list it (s3:ListBucket)"
  [ -n "$archives" ] && [ "$archives" != None ] \
    || failed "no archive under s3://$bucket/$prefix/$group/$instance_id/" "read the runbook's step output: aws ssm get-automation-execution --automation-execution-id $execution"
  passed "archive in s3://$bucket/$(echo "$archives" | tr '\t' '\n' | tail -n 1)"
fi

if [ "$take_one_out" != true ]; then
  echo "done  the stack is ready; run again with --take-one-out to follow one real scale-in"
  exit 0
fi

instance_id="${instance_id:-$(echo "$in_service" | awk '{print $1}')}"
aws autoscaling terminate-instance-in-auto-scaling-group --instance-id "$instance_id" \
  --no-should-decrement-desired-capacity >/dev/null
echo "...   $instance_id taken out of $group (a replacement is launched); following it"
waited=0
while :; do
  state=$(aws autoscaling describe-auto-scaling-instances --instance-ids "$instance_id" \
    --query 'AutoScalingInstances[0].LifecycleState' --output text)
  case "$state" in
    Terminating:Proceed|Terminated) break ;;
    None) state="no longer in the group"; break ;;
    Terminating:Retained) failed "$instance_id was retained: its lifecycle action was abandoned" \
      "read the function's final line below the hook; the instance waits for you: aws autoscaling terminate-instance-in-auto-scaling-group" ;;
  esac
  [ "$waited" -lt "$wait_limit_seconds" ] || failed "$instance_id is still $state after ${waited} s" \
    "read the function's logs: aws logs tail $log_group --since 1h"
  sleep "$poll_seconds"
  waited=$((waited + poll_seconds))
done
passed "$instance_id left its wait state ($state) after about ${waited} s"

final_line=$(aws logs filter-log-events --log-group-name "$log_group" \
  --filter-pattern "\"lifecycle action completed\" \"$instance_id\"" --query 'events[-1].message' --output text)
[ -n "$final_line" ] && [ "$final_line" != None ] \
  || failed "no final log line for $instance_id in $log_group" "read the function's logs: aws logs tail $log_group --since 1h"
echo "$final_line"
case "$final_line" in
  *"completed with CONTINUE"*) passed "the function completed $instance_id's lifecycle action with CONTINUE" ;;
  *) failed "the function did not answer CONTINUE for $instance_id" "the line above says why; see the README, when something goes wrong" ;;
esac
