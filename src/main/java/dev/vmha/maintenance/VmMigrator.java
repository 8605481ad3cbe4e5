package dev.vmha.maintenance;

import dev.vmha.Failures;
import dev.vmha.LocalMessage;
import dev.vmha.host.HostVms;
import dev.vmha.hypervisor.MigrationImage;
import dev.vmha.hypervisor.VmSpec;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One live migration, awaited step by step so that the VM's disk never has two writers: the source stops the VM's
 * writer and releases its lease ({@link HostVms.MigrateOut}); only then does the target take the lease and start it
 * ({@link HostVms.MigrateIn}). A target that refuses gets the VM started at the source again; a target that does not
 * answer may run it, so nothing else is tried (the master's lease rule decides). Reports a {@link MigrationOutcome}.
 */
public final class VmMigrator {
  public sealed interface Command {}

  private record Out(HostVms.MigratedOut out, Throwable error) implements Command, LocalMessage {}

  private record In(HostVms.Result result, Throwable error) implements Command, LocalMessage {}

  /** What to move: the VM, its source and target hosts with their VM managers. */
  public record Move(
      VmSpec vm, String from, ActorRef<HostVms.Command> source, String to, ActorRef<HostVms.Command> target) {}

  private VmMigrator() {}

  /** @param step how long each half may take ({@code CallBounds.migrationStep}) */
  public static Behavior<Command> create(Move move, Duration step, ActorRef<MigrationOutcome> report) {
    return Behaviors.setup(ctx -> new Run(ctx, move, step, report).migrateOut());
  }

  private record Run(ActorContext<Command> ctx, Move move, Duration step, ActorRef<MigrationOutcome> report) {

    Behavior<Command> migrateOut() {
      ctx.ask(HostVms.MigratedOut.class, move.source(), step, ref -> new HostVms.MigrateOut(move.vm().name(), ref),
          Out::new);
      return Behaviors.receive(Command.class).onMessage(Out.class, this::onOut).build();
    }

    private Behavior<Command> onOut(Out o) {
      if (o.error() != null) {
        // unknown whether its writer stopped: if it did, its host's reports lack it and the master restarts it
        return notMoved(Optional.of(move.from()), "no answer from " + move.from() + " within " + step.toMillis()
            + " ms");
      }
      if (o.out().image().isEmpty()) {
        return notMoved(o.out().stopped() ? Optional.empty() : Optional.of(move.from()), o.out().error());
      }
      return migrateIn(move.to(), move.target(), o.out().image().get(), "");
    }

    /** Starts the VM at {@code host} from its image; {@code refused}: the target's refusal, when going back. */
    private Behavior<Command> migrateIn(
        String host, ActorRef<HostVms.Command> vms, MigrationImage image, String refused) {
      ctx.ask(HostVms.Result.class, vms, step, ref -> new HostVms.MigrateIn(image, ref), In::new);
      return Behaviors.receive(Command.class).onMessage(In.class, i -> {
        boolean back = !refused.isEmpty();
        if (i.error() != null) {
          // it may run there: the lease says where, and nothing else starts it meanwhile
          return notMoved(Optional.empty(), (back ? refused + "; then " : "") + "no answer from " + host
              + " within " + step.toMillis() + " ms (" + Failures.rootMessage(i.error()) + ")");
        }
        if (i.result().ok() && !back) {
          report.tell(new MigrationOutcome.Moved(move.vm(), move.from(), move.to()));
          return Behaviors.stopped();
        }
        if (i.result().ok()) return notMoved(Optional.of(move.from()), refused + "; started again at " + host);
        if (back) return notMoved(Optional.empty(), refused + "; " + host + " refused it back: " + i.result().error());
        return migrateIn(move.from(), move.source(), image, move.to() + " refused it: " + i.result().error());
      }).build();
    }

    private Behavior<Command> notMoved(Optional<String> runsAt, String why) {
      report.tell(new MigrationOutcome.NotMoved(move.vm(), move.from(), move.to(), runsAt, why));
      return Behaviors.stopped();
    }
  }
}
