package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.AutomationDefinitionNotFoundException;
import software.amazon.awssdk.services.ssm.model.AutomationExecution;
import software.amazon.awssdk.services.ssm.model.AutomationDefinitionVersionNotFoundException;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionFilterKey;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionLimitExceededException;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionMetadata;
import software.amazon.awssdk.services.ssm.model.ResourceTypeForTagging;
import software.amazon.awssdk.services.ssm.model.AutomationExecutionNotFoundException;
import software.amazon.awssdk.services.ssm.model.IdempotentParameterMismatchException;
import software.amazon.awssdk.services.ssm.model.InvalidAutomationExecutionParametersException;
import software.amazon.awssdk.services.ssm.model.InstanceInformation;
import software.amazon.awssdk.services.ssm.model.InvalidInstanceIdException;
import software.amazon.awssdk.services.ssm.model.InvalidResourceIdException;
import software.amazon.awssdk.services.ssm.model.InvalidTargetException;
import software.amazon.awssdk.services.ssm.model.Tag;

/** SSM Automation through the AWS SDK: the only code that knows SSM's wire types and error codes. */
public final class SsmAutomations implements Automations {

  private final SsmClient ssm;

  public SsmAutomations(SsmClient ssm) {
    this.ssm = ssm;
  }

  @Override
  public Runbook.ExecutionId start(Runbook.Start start) {
    try {
      String id = ssm.startAutomationExecution(request -> request
              .documentName(start.documentName())
              .parameters(start.parameters())
              .clientToken(start.clientToken())
              .tags(start.tags().entrySet().stream()
                  .map(tag -> Tag.builder().key(tag.getKey()).value(tag.getValue()).build())
                  .sorted(Comparator.comparing(Tag::key))
                  .toList()))
          .automationExecutionId();
      return new Runbook.ExecutionId(id);
    } catch (IdempotentParameterMismatchException e) {
      throw new ServiceFailure.ClientTokenReused(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (AutomationExecutionLimitExceededException e) {
      throw new ServiceFailure.ExecutionLimitReached(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (AutomationDefinitionNotFoundException
             | AutomationDefinitionVersionNotFoundException
             | InvalidAutomationExecutionParametersException
             | InvalidTargetException e) {
      throw new ServiceFailure.Rejected(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * Looks the execution up by the tag key only it carries, and keeps the one whose document name is
   * exactly ours: DescribeAutomationExecutions can filter by a document name's prefix only
   * (DocumentNamePrefix), and by a tag key exactly (TagKey). Every page is read: a filtered listing
   * may answer with an empty page and a NextToken.
   */
  @Override
  public Optional<Runbook.Found> findEarlier(Runbook.Start start) {
    try {
      return ssm.describeAutomationExecutionsPaginator(request -> request.filters(
              filter -> filter.key(AutomationExecutionFilterKey.TAG_KEY).values(start.lookupTagKey()),
              filter -> filter.key(AutomationExecutionFilterKey.DOCUMENT_NAME_PREFIX).values(start.documentName())))
          .automationExecutionMetadataList().stream()
          .filter(found -> start.documentName().equals(found.documentName()))
          .findFirst()
          .map(found -> new Runbook.Found(new Runbook.ExecutionId(found.automationExecutionId()),
              observationOf(found)));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * The seat's executions are listed by the tag key they all carry (every page, the exact document
   * name kept); the newest by start time is read first, and its epoch is the latest when it counts
   * every execution listed before it, which is how the seat's executions are started, one epoch
   * after the other. Otherwise, every execution's tags are read and the highest epoch wins.
   */
  @Override
  public Optional<Runbook.Entry> latest(Runbook.Seat seat) {
    try {
      List<AutomationExecutionMetadata> listed = new ArrayList<>(ssm.describeAutomationExecutionsPaginator(
              request -> request.filters(
                  filter -> filter.key(AutomationExecutionFilterKey.TAG_KEY).values(seat.tagKey()),
                  filter -> filter.key(AutomationExecutionFilterKey.DOCUMENT_NAME_PREFIX).values(seat.documentName())))
          .automationExecutionMetadataList().stream()
          .filter(found -> seat.documentName().equals(found.documentName()))
          .toList());
      if (listed.isEmpty()) {
        return Optional.empty();
      }
      listed.sort(Comparator.comparing(AutomationExecutionMetadata::executionStartTime,
          Comparator.nullsFirst(Comparator.<Instant>naturalOrder())).reversed());
      Optional<Runbook.Entry> newest = entryOf(seat, listed.get(0));
      if (newest.isPresent() && newest.get().epoch() == listed.size() - 1) {
        return newest;
      }
      return listed.stream()
          .map(found -> entryOf(seat, found))
          .flatMap(Optional::stream)
          .max(Comparator.comparingInt(Runbook.Entry::epoch));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  private Optional<Runbook.Entry> entryOf(Runbook.Seat seat, AutomationExecutionMetadata found) {
    return Runbook.Entry.of(seat, new Runbook.ExecutionId(found.automationExecutionId()), observationOf(found),
        tagsOn(found.automationExecutionId()));
  }

  private Map<String, String> tagsOn(String execution) {
    return ssm.listTagsForResource(request -> request
            .resourceType(ResourceTypeForTagging.AUTOMATION)
            .resourceId(execution))
        .tagList().stream()
        .collect(Collectors.toMap(Tag::key, Tag::value, (first, second) -> second));
  }

  /** SSM answers a resource id it does not know with InvalidResourceId (ListTagsForResource API reference). */
  @Override
  public Map<String, String> tagsOf(Runbook.ExecutionId execution) {
    try {
      return tagsOn(execution.value());
    } catch (InvalidResourceIdException e) {
      throw new ServiceFailure.ExecutionNotFound(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  private static Runbook.Observation observationOf(AutomationExecutionMetadata found) {
    return new Runbook.Observation(new Runbook.Status(found.automationExecutionStatusAsString()),
        Optional.ofNullable(found.executionStartTime()), Optional.ofNullable(found.executionEndTime()));
  }

  @Override
  public void record(Runbook.ExecutionId execution, Map<String, String> tags) {
    try {
      ssm.addTagsToResource(request -> request
          .resourceType(ResourceTypeForTagging.AUTOMATION)
          .resourceId(execution.value())
          .tags(tags.entrySet().stream()
              .map(tag -> Tag.builder().key(tag.getKey()).value(tag.getValue()).build())
              .toList()));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * The agent by its ping status. PingStatus is optional in the API's model: SSM lists the instance
   * but does not say, so the runbook is tried, and its own failure, if any, is what the action ends
   * with, rather than a result sent for an agent nobody saw offline.
   */
  private static Fleet.Agent agentBy(InstanceInformation information) {
    if (information.pingStatus() == null) {
      return Fleet.Agent.ONLINE;
    }
    return switch (information.pingStatus()) {
      case ONLINE -> Fleet.Agent.ONLINE;
      case CONNECTION_LOST -> Fleet.Agent.CONNECTION_LOST;
      default -> Fleet.Agent.INACTIVE;
    };
  }

  @Override
  public Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
    try {
      return ssm.describeInstanceInformationPaginator(request -> request.filters(filter -> filter
              .key("InstanceIds")
              .values(instance.value())))
          .instanceInformationList().stream()
          .filter(information -> instance.value().equals(information.instanceId()))
          .findFirst()
          .map(SsmAutomations::agentBy)
          .orElse(Fleet.Agent.NOT_MANAGED);
    } catch (InvalidInstanceIdException e) {
      // How SSM answers a filter by an instance id it does not manage (or that does not exist).
      return Fleet.Agent.NOT_MANAGED;
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  @Override
  public Runbook.Observation observe(Runbook.ExecutionId execution) {
    try {
      AutomationExecution seen = ssm.getAutomationExecution(request -> request
              .automationExecutionId(execution.value()))
          .automationExecution();
      return new Runbook.Observation(new Runbook.Status(seen.automationExecutionStatusAsString()),
          Optional.ofNullable(seen.executionStartTime()), Optional.ofNullable(seen.executionEndTime()));
    } catch (AutomationExecutionNotFoundException e) {
      throw new ServiceFailure.ExecutionNotFound(ServiceFailures.codeOf(e), ServiceFailures.messageOf(e), e);
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }
}
