package dev.vmha.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "completion", description = {"Print the bash (and zsh) completion script of every command and option.",
    "Use it with: source <(./vmha completion), or save it in /etc/bash_completion.d/vmha."})
final class CompletionCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    System.out.print(AutoComplete.bash("vmha", spec.root().commandLine()));
    // ./vmha, as the README calls it, completes too
    System.out.println("complete -F _complete_vmha -o default ./vmha");
    return ExitCode.OK;
  }
}
